import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  isLegacyRequest,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
  type AuthInfo,
  type McpServerFactory,
} from '@modelcontextprotocol/server';
import { CLIENT_ADDRESS_HEADER, KeysUnavailableError, reportedOutcome } from '@mcp-fleet/middleware';
import type { RuntimeConfig } from './config';
import { FastLane } from './fast-lane';
import { pooledFactory } from './instance-pool';
import { JSON_RPC, labelRequest, OUTCOMES, outcomeOf, outcomeOfStatus, sendJson, sendRpcError, toWebHeaders, type Outcome, type RequestLabels } from './json-rpc';
import { LegacySessions } from './legacy-sessions';
import type { Logger } from './logger';
import { isLoopbackHost } from './loopback';
import { labelChildren, type RuntimeMetrics } from './metrics';
import type { Readiness } from './readiness';

export interface HttpAppOptions {
  factory: McpServerFactory;
  config: RuntimeConfig;
  logger: Logger;
  metrics: RuntimeMetrics;
  readiness: Readiness;
  /** Tool names the service registers: the only values the `tool` metric label takes. */
  knownTools: ReadonlySet<string>;
  /** Verifies a bearer token; a throw answers 401 with its message. Without it, Authorization is not read. */
  authenticate?: (token: string) => Promise<AuthInfo>;
}

export interface HttpApp {
  server: Server;
  /** Stops accepting, lets in-flight requests finish within graceMs, and says how many had to be cut. */
  drain(graceMs: number): Promise<{ cut: number }>;
}

/** One exchange on /mcp, as its metrics and log line will describe it. */
interface HttpScope {
  /** Links the SDK entry's web Request back to this exchange (SCOPE_HEADER). */
  key: string;
  requestId: string;
  /** How an answer with a success status ended (one with an error status is judged by that status). */
  outcome: Outcome;
  labels: RequestLabels;
  /** Counted as in flight for the drain. */
  holdsDrain: boolean;
}

/** What readJson returns when it has answered the request itself. */
const REFUSED = Symbol('refused');

// Links the web Request the SDK adapter builds back to our request: set on the Node request, copied by the adapter.
const SCOPE_HEADER = 'x-mcp-fleet-scope';

/** Methods whose successful calls the middleware pipeline logs itself. */
const PIPELINE_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { config, logger, metrics, readiness, knownTools } = options;
  const maxBody = config.http.maxBodyBytes;
  const linger = { bytes: config.http.lingerBytes, ms: config.http.lingerMs };
  const loopback = isLoopbackHost(config.host);
  const allowedHosts = config.http.allowedHosts.length > 0 ? config.http.allowedHosts : loopback ? localhostAllowedHostnames() : undefined;
  const allowedOrigins = config.http.allowedOrigins.length > 0 ? config.http.allowedOrigins : loopback ? localhostAllowedOrigins() : undefined;
  const onerror = (error: Error) => logger.warn({ err: error.message }, 'mcp request rejected by the SDK');

  const lane = config.http.fastLane ? new FastLane() : undefined;
  const mcp = createMcpHandler(pooledFactory(options.factory, lane), {
    legacy: config.http.legacySessions ? 'reject' : 'stateless',
    maxRequestBodySize: maxBody,
    onerror,
  });
  const sessions = config.http.legacySessions
    ? new LegacySessions(options.factory, { idleMs: config.http.sessionIdleMs, maxSessions: config.http.maxSessions, logger })
    : undefined;
  const serveMcp = toNodeHandler({ fetch: async (request, extra) => readOutcome(request, await mcp.fetch(request, extra)) }, { maxRequestBodySize: maxBody, onerror });

  const answered = labelChildren((labels: RequestLabels & { outcome: Outcome }) => metrics.requests.labels(labels));
  const timed = labelChildren((labels: RequestLabels) => metrics.duration.labels(labels));
  // Every tool's series exist from the first scrape, at zero: an error ratio is defined before the first error.
  for (const tool of knownTools) {
    for (const outcome of OUTCOMES) metrics.requests.inc({ method: 'tools/call', tool, outcome }, 0);
    metrics.duration.zero({ method: 'tools/call', tool });
  }
  let inFlight = 0;
  let nextScope = 0;
  const scopes = new Map<string, HttpScope>();
  const draining = () => readiness.state === 'draining';
  const fault = { on: false };
  const toggleFault = () => {
    fault.on = !fault.on;
    logger.warn({ fault: fault.on ? 'on' : 'off' }, 'test-only fault switched (faults.toggleOnSignal): every tools/call fails');
  };
  if (config.faults.toggleOnSignal) process.on('SIGUSR2', toggleFault);

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed inside the runtime');
      if (!res.headersSent) sendRpcError(res, 500, JSON_RPC.serverError, 'Internal error');
      else res.destroy();
    });
  });
  // A malformed HTTP request gets a 400 and never reaches our handler, nor takes the process down.
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    logger.debug({ err: error.message }, 'malformed HTTP request');
  });

  /** Answers a request before (or instead of) reading its body, which is then discarded within bounds; true. */
  function reject(req: IncomingMessage, res: ServerResponse, status: number, code: number, message: string, headers?: Record<string, string>): true {
    sendRpcError(res, status, code, message, headers);
    discardRest(req, linger);
    return true;
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (draining()) res.setHeader('connection', 'close');
    switch (path) {
      case '/mcp':
        return handleMcp(req, res);
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz': {
        const report = await readiness.report();
        return sendJson(res, report.ready ? 200 : 503, report);
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      default:
        return sendJson(res, 404, { error: `no route for ${path}; the MCP endpoint is /mcp, probes are /healthz, /readyz and /metrics` });
    }
  }

  /** /mcp, as a sequence of steps: observe the exchange, guard it, read its body, dispatch it. */
  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scope = observe(req, res);
    if (await guard(req, res)) return;
    const body = req.method === 'POST' ? await readJson(req, res, scope) : undefined;
    if (body === REFUSED) return;
    return dispatch(req, res, body, scope);
  }

  /** Gives the exchange its request id, and counts and logs it when its response closes, whatever answered it. */
  function observe(req: IncomingMessage, res: ServerResponse): HttpScope {
    const scope: HttpScope = {
      key: String(nextScope++),
      requestId: pickRequestId(req.headers['x-request-id']),
      outcome: 'ok',
      labels: { method: req.method === 'POST' ? 'invalid' : req.method!.toLowerCase(), tool: '' },
      holdsDrain: false,
    };
    res.setHeader('x-request-id', scope.requestId);
    const started = performance.now();
    metrics.inFlight.inc();
    res.once('close', () => {
      scopes.delete(scope.key);
      if (scope.holdsDrain) inFlight--;
      metrics.inFlight.dec();
      const { method, tool } = scope.labels;
      const outcome = res.statusCode >= 400 ? outcomeOfStatus(res.statusCode) : scope.outcome;
      const seconds = (performance.now() - started) / 1000;
      // Labels written out, not spread: on Node 20 `{ ...fresh, newKey }` costs ~0.6 µs per added key.
      answered({ method, tool, outcome }).inc();
      timed(scope.labels).observe(seconds);
      // A call the pipeline answered has its own "call" line; this one then is only for debugging.
      const level = res.statusCode < 400 && PIPELINE_METHODS.has(method) ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const durationMs = Math.round(seconds * 10_000) / 10;
      logger[level]({ requestId: scope.requestId, httpMethod: req.method, status: res.statusCode, method, tool, outcome, durationMs }, 'mcp request');
    });
    return scope;
  }

  /** Refuses, before any body is read, a request from a host or origin not allowed or with a token not valid. */
  async function guard(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const rejection = checkHostAndOrigin(req);
    if (rejection) return reject(req, res, 403, JSON_RPC.serverError, rejection);
    // A token that is present must be valid, even for a tool that needs none.
    if (!options.authenticate || req.headers.authorization === undefined) return false;
    const problem = await authenticate(req as IncomingMessage & { auth?: AuthInfo }, options.authenticate);
    if (problem instanceof KeysUnavailableError) {
      logger.error({ err: problem.message }, 'cannot check tokens');
      return reject(req, res, 503, JSON_RPC.serverError, `Service unavailable: ${problem.message}; retry in ${problem.retryAfterSec} s`, {
        'retry-after': String(problem.retryAfterSec),
      });
    }
    if (!problem) return false;
    return reject(req, res, 401, JSON_RPC.serverError, `Unauthorized: ${problem}`, {
      'www-authenticate': `Bearer realm="mcp", error="invalid_token", error_description="${problem.replace(/["\\]/g, "'")}"`,
    });
  }

  /** The parsed JSON body, labelled for metrics and logs; REFUSED when it was too large or not JSON (answered). */
  async function readJson(req: IncomingMessage, res: ServerResponse, scope: HttpScope): Promise<unknown> {
    const text = await readBody(req, maxBody);
    if (text === undefined) {
      reject(req, res, 413, JSON_RPC.invalidRequest, `Request body exceeds ${maxBody} bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES`);
      return REFUSED;
    }
    try {
      const body: unknown = JSON.parse(text);
      scope.labels = labelRequest(body, knownTools);
      return body;
    } catch (error) {
      reject(req, res, 400, JSON_RPC.parseError, `Parse error: the body is not valid JSON (${(error as Error).message})`);
      return REFUSED;
    }
  }

  /** Hands the request to a legacy session, the fast lane or the SDK's entry, in that order of precedence. */
  async function dispatch(req: IncomingMessage, res: ServerResponse, body: unknown, scope: HttpScope): Promise<void> {
    // The pipeline reads the request id and client address from here (ctx.http.req), whatever the client sent.
    req.headers['x-request-id'] = scope.requestId;
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req, config.http.trustProxy);
    req.headers[SCOPE_HEADER] = scope.key;
    scopes.set(scope.key, scope);
    // Long-lived streams (GET, subscriptions/listen) do not hold up a drain.
    scope.holdsDrain = req.method !== 'GET' && scope.labels.method !== 'subscriptions/listen';
    if (scope.holdsDrain) inFlight++;

    if (sessions && (await isLegacyRequest(toProbeRequest(req), body, { maxRequestBodySize: maxBody }))) {
      return sessions.handle(req, res, body, !draining());
    }
    if (fault.on && scope.labels.method === 'tools/call') {
      return sendRpcError(res, 500, JSON_RPC.internalError, 'Internal error (a test-only fault is on: faults.toggleOnSignal)');
    }
    const authInfo = (req as { auth?: AuthInfo }).auth;
    if (lane?.serve({ req, res, body, authInfo, settle: (outcome) => (scope.outcome = outcome) })) return;
    return serveMcp(req, res, body);
  }

  function checkHostAndOrigin(req: IncomingMessage): string | undefined {
    if (allowedHosts) {
      const host = validateHostHeader(req.headers.host, allowedHosts);
      if (!host.ok) return `Forbidden: ${host.message}; allowed hosts: ${allowedHosts.join(', ')} (http.allowedHosts)`;
    }
    if (allowedOrigins) {
      const origin = validateOriginHeader(req.headers.origin, allowedOrigins);
      if (!origin.ok) return `Forbidden: ${origin.message}; allowed origins: ${allowedOrigins.join(', ')} (http.allowedOrigins)`;
    }
    return undefined;
  }

  /**
   * Sets the outcome of an exchange the SDK's entry answered, from its answer and what the pipeline reported. An
   * answer sent as an event stream (the SDK's stateless 2025 leg answers every POST so) is judged by its last
   * message as it passes; a stream that ends without one stays `stream`.
   */
  async function readOutcome(request: Request, response: Response): Promise<Response> {
    const scope = scopes.get(request.headers.get(SCOPE_HEADER) ?? '');
    if (!scope || response.status >= 400) return response;
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('text/event-stream') && response.body && scope.holdsDrain) {
      scope.outcome = 'stream';
      const judged = response.body.pipeThrough(lastAnswerOf((answer) => (scope.outcome = outcomeOf(answer, reportedOutcome(request)))));
      return new Response(judged, { status: response.status, headers: response.headers });
    }
    if (!type.startsWith('application/json')) {
      scope.outcome = response.body ? 'stream' : 'ok';
      return response;
    }
    const text = await response.text();
    scope.outcome = outcomeOf(text, reportedOutcome(request));
    return new Response(text, { status: response.status, headers: response.headers });
  }

  return {
    server,
    async drain(graceMs) {
      process.off('SIGUSR2', toggleFault);
      server.close();
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await sleep(20);
      const cut = inFlight;
      await sessions?.closeAll();
      await lane?.close();
      await mcp.close();
      server.closeAllConnections();
      return { cut };
    },
  };
}

/**
 * Passes an event stream through unchanged and, when it ends, hands `judge` the data of its last message: the
 * answer, which ends the stream of a single request. Keeps only that message and the unfinished one.
 */
function lastAnswerOf(judge: (answer: string) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let pending = '';
  let last: string | undefined;
  const take = (events: string[]) => {
    for (const event of events) {
      const data = event.split('\n').find((line) => line.startsWith('data: '));
      if (data) last = data.slice(6);
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      const events = (pending + decoder.decode(chunk, { stream: true })).split('\n\n');
      pending = events.pop()!;
      take(events);
    },
    flush() {
      take([pending + decoder.decode()]);
      if (last !== undefined) judge(last);
    },
  });
}

/** The body as text, or undefined as soon as it is larger than maxBytes (the rest is left unread). */
function readBody(req: IncomingMessage, maxBytes: number): string | undefined | Promise<string | undefined> {
  if (Number(req.headers['content-length']) > maxBytes) return undefined;
  // A small body has usually arrived with its headers: taken as it is, without setting the stream flowing.
  if (req.complete && req.readableLength <= maxBytes) return (req.read() as Buffer | null)?.toString('utf8') ?? '';
  return new Promise((resolve, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Not `for await`: leaving that loop early destroys the socket, and the client never reads the 413.
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData).off('end', onEnd).pause();
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData).once('end', onEnd).once('error', fail);
  });
}

/**
 * Reads and throws away what is left of a request already answered, so that the client, still sending, gets to
 * read the answer instead of a reset; past `bytes` or `ms` the connection is dropped. The connection stays open
 * for the next request once the body has ended.
 */
function discardRest(req: IncomingMessage, limits: { bytes: number; ms: number }): void {
  if (req.complete) return;
  let discarded = 0;
  const timer = setTimeout(() => req.socket.destroy(), limits.ms).unref();
  req
    .on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limits.bytes) req.socket.destroy();
    })
    .once('close', () => clearTimeout(timer))
    .resume();
}

/**
 * Puts the verified token on `req.auth`, where the SDK's Node adapter takes it from; returns why it is not valid,
 * or the KeysUnavailableError that kept it from being checked.
 */
async function authenticate(req: IncomingMessage & { auth?: AuthInfo }, verify: (token: string) => Promise<AuthInfo>): Promise<string | KeysUnavailableError | undefined> {
  const match = /^Bearer +([\w.~+/-]+=*) *$/i.exec(req.headers.authorization ?? '');
  if (!match) return 'the Authorization header must be "Bearer <token>"';
  try {
    req.auth = await verify(match[1]!);
    return undefined;
  } catch (error) {
    return error instanceof KeysUnavailableError ? error : (error as Error).message;
  }
}

/** The connection's address, or with `trustProxy` hops of proxies in front the address the outermost trusted one saw. */
function clientAddress(req: IncomingMessage, trustProxy: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy === 0) return socket;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((hop) => hop.trim()).filter(Boolean);
  const chain = [...forwarded, socket];
  return chain[Math.max(0, chain.length - 1 - trustProxy)]!;
}

function pickRequestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

/** A body-less web Request with the headers the SDK's era classification reads; the parsed body goes beside it. */
function toProbeRequest(req: IncomingMessage): Request {
  return new Request(`http://localhost${req.url ?? '/mcp'}`, { method: req.method, headers: toWebHeaders(req) });
}
