import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallOutcome } from '@mcp-fleet/middleware';
import type { Outcome } from './metrics-contract';

/** The MCP methods we label metrics with; anything else a client sends is counted as `other`. */
const KNOWN_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'subscriptions/listen',
]);

export interface RequestLabels {
  method: string;
  tool: string;
}

/** Labels for metrics and logs, bounded so that a client cannot create unbounded label values. */
export function labelRequest(body: unknown, knownTools: Pick<ReadonlySet<string>, 'has'>): RequestLabels {
  if (Array.isArray(body)) return { method: 'batch', tool: '' };
  if (typeof body !== 'object' || body === null) return { method: 'invalid', tool: '' };
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  if (typeof method !== 'string') return { method: 'response', tool: '' };
  if (method.startsWith('notifications/')) return { method: 'notification', tool: '' };
  if (!KNOWN_METHODS.has(method)) return { method: 'other', tool: '' };
  if (method !== 'tools/call') return { method, tool: '' };
  const name = params?.name;
  return { method, tool: typeof name === 'string' && knownTools.has(name) ? name : 'unknown' };
}

/** The outcome of an answer with an HTTP error status: the guards' refusals, the client's mistakes, or the server's. */
export function outcomeOfStatus(status: number): Outcome {
  if (status === 401 || status === 403 || status === 429) return 'refused';
  return status >= 500 ? 'server_error' : 'client_error';
}

/**
 * The outcome of a JSON-RPC answer, from its body and what the pipeline reported. The body says whether it
 * failed; the report says whose fault that was. Without a report no handler ran: the SDK refused the request
 * itself (an unknown tool, arguments its schema refused), so an error is the client's unless it is internal.
 * A report of `ok` on a failed answer means the handler's answer was then found invalid: the server's fault.
 */
export function outcomeOf(body: string, reported?: CallOutcome): Outcome {
  // An answer with neither key anywhere cannot be an error; only the others are parsed (a listing can be large).
  if (!body.includes('"error"') && !body.includes('"isError"')) return 'ok';
  let message: AnswerMessage;
  try {
    message = JSON.parse(body) as AnswerMessage;
  } catch {
    // A non-JSON body from the SDK is not ours to judge; the status code says enough.
    return 'ok';
  }
  return outcomeOfMessage(message, reported);
}

/** What outcomeOf reads of an answer. */
type AnswerMessage = { error?: { code?: unknown }; result?: { isError?: unknown } };

/** outcomeOf for an answer not yet written out (the fast lane's). */
export function outcomeOfMessage(message: AnswerMessage, reported?: CallOutcome): Outcome {
  const failed = message.error !== undefined || message.result?.isError === true;
  if (!failed) return 'ok';
  if (reported === 'ok') return 'server_error';
  if (reported) return reported;
  return message.error?.code === JSON_RPC.internalError ? 'server_error' : 'client_error';
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const JSON_RPC = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internalError: -32603,
  serverError: -32000,
  sessionNotFound: -32001,
};

export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', id: null, error: { code, message } }, headers);
}

/** A Node request's headers as web Headers (repeated ones appended), for the SDK's web-standard APIs. */
export function toWebHeaders(req: Pick<IncomingMessage, 'headers'>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (value) for (const item of value) headers.append(name, item);
  }
  return headers;
}
