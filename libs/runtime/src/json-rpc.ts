import type { IncomingMessage, ServerResponse } from 'node:http';

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
export function labelRequest(body: unknown, knownTools: ReadonlySet<string>): RequestLabels {
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

export type Outcome = 'ok' | 'error' | 'tool_error' | 'stream' | 'rejected';

/** Reads the outcome of a JSON response body: a JSON-RPC error, a tool's isError result, or success. */
export function outcomeOf(body: string): Outcome {
  // An answer with neither key anywhere cannot be an error; only the others are parsed (a listing can be large).
  if (!body.includes('"error"') && !body.includes('"isError"')) return 'ok';
  try {
    const message = JSON.parse(body) as { error?: unknown; result?: { isError?: unknown } };
    if (message.error) return 'error';
    if (message.result?.isError === true) return 'tool_error';
  } catch {
    // A non-JSON body from the SDK is not ours to judge; the status code says enough.
  }
  return 'ok';
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const JSON_RPC = { parseError: -32700, invalidRequest: -32600, serverError: -32000, sessionNotFound: -32001 };

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
export function toWebHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (value) for (const item of value) headers.append(name, item);
  }
  return headers;
}
