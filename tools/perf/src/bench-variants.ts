import { createTokenIssuer } from '@mcp-fleet/middleware';
/** One way of serving the bench's echo call: how to start it and which HTTP request makes the call. */
export interface BenchVariant {
  id: 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'p';
  name: string;
  /**
   * What each request asks: the echo call (default), the same call as a 2025-era client sends it, tools/list, or
   * the echo call with a bearer token (authorizedCall).
   */
  call?: 'echo' | 'echo-2025' | 'list' | 'echo-auth';
  /** The variant its "vs SDK" ratios compare with: the bare SDK serving the same era and tools (default a). */
  baseline?: BenchVariant['id'];
  /** An app under apps/ or the path of a server script. */
  app: string;
  env?: Record<string, string | undefined>;
  /** For a sessionful variant: the requests that open the session first. */
  session?: boolean;
  /** For a variant with extra tools: the variant serving the same with one tool, which its req/s is compared to. */
  oneTool?: BenchVariant['id'];
}

export const MESSAGE = 'bench';

/** How many tools the "100 extra tools" variants register beside echo (their servers read BENCH_EXTRA_TOOLS). */
export const EXTRA_TOOLS = 100;

const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'mcp-fleet-bench', version: '0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const modernHeaders = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2026-07-28',
};

/** The body a 2026-07-28 client sends for tools/call echo: the per-request envelope in params._meta. */
export const modernCall = {
  // 2026-07-28 mirrors the method and tool name into headers, and the server checks that they agree.
  headers: { ...modernHeaders, 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { message: MESSAGE }, _meta: envelope },
  }),
};

/**
 * The tokens of the variant that checks one on every call: runtime-echo reads these settings from BENCH_TOKEN,
 * then verifies tokens (HS256) and has echo require `scope`.
 */
export const BENCH_TOKEN = {
  secret: 'bench-secret-that-is-at-least-32-characters',
  issuer: 'mcp-fleet/bench-echo',
  audience: 'bench-echo',
  scope: 'bench:echo',
};

/** The echo call with a bearer token that grants BENCH_TOKEN's scope. */
export async function authorizedCall(): Promise<{ headers: Record<string, string>; body: string }> {
  const { scope, ...settings } = BENCH_TOKEN;
  const { access_token } = await createTokenIssuer({ ...settings, ttlSec: 3600 })('bench-user', [scope]);
  return { headers: { ...modernCall.headers, authorization: `Bearer ${access_token}` }, body: modernCall.body };
}

/** tools/list in the 2026-07-28 protocol. */
export const modernList = {
  headers: { ...modernHeaders, 'mcp-method': 'tools/list' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: envelope } }),
};

/**
 * The same call as a 2025-era client sends it to a stateless server after `initialize`: no envelope, no session,
 * the negotiated version in its header (what most deployed clients still send).
 */
export const legacyStatelessCall = {
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE } } }),
};

/** The same call in the 2025 protocol, inside an initialized session. */
export function legacySessionCall(sessionId: string) {
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': sessionId,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: MESSAGE } } }),
  };
}

/** Opens a 2025-era session the way a v1 client does (initialize, then notifications/initialized). */
export async function openLegacySession(url: string): Promise<string> {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp-fleet-bench', version: '0' } },
    }),
  });
  const sessionId = init.headers.get('mcp-session-id');
  await init.text();
  if (!sessionId) throw new Error(`bench: ${url} opened no session (status ${init.status}); is http.legacySessions on?`);
  const ack = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await ack.text();
  return sessionId;
}

/** The request that makes `variant`'s call to its server at `url` (a session opened first for a sessionful one). */
export async function requestFor(variant: BenchVariant, url: string): Promise<{ headers: Record<string, string>; body: string }> {
  if (variant.session) return legacySessionCall(await openLegacySession(url));
  if (variant.call === 'list') return modernList;
  if (variant.call === 'echo-2025') return legacyStatelessCall;
  if (variant.call === 'echo-auth') return authorizedCall();
  return modernCall;
}

/** Whether a response body (JSON or SSE) carries the echo result. */
export function carriesEcho(body: string): boolean {
  return body.includes(`"text":"${MESSAGE}"`) && !body.includes('"error"');
}

/** Whether a tools/list response lists echo and every extra tool. */
export function listsAllTools(body: string): boolean {
  return body.includes('"name":"echo"') && body.includes(`"name":"extra_${EXTRA_TOOLS - 1}"`) && !body.includes('"error"');
}
