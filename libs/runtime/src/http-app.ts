import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  createMcpHandler,
  InMemoryServerEventBus,
  isLegacyRequest,
  type AuthInfo,
  type McpServerFactory,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import { CLIENT_ADDRESS_HEADER } from '@mcp-fleet/middleware';
import type { RuntimeConfig } from './config';
import {
  exchangeRules,
  RESOURCE_METADATA_PATH,
  type Admitted,
  type ExchangeOptions,
  METADATA_HEADERS,
  type Authenticate,
  type ExchangeScope,
  type Incoming,
  type Refusal,
} from './exchange';
import { FastLane, laneWarning } from './lane/fast-lane';
import { asListener, audienceBus } from './notifications';
import { withinSpan } from './tracing';
import { pooledFactory } from './instance-pool';
import { JSON_RPC, sendJson, sendRpcError, toWebHeaders } from './json-rpc';
import { LegacySessions } from './legacy-sessions';
import type { Logger } from './logger';
import { isLoopbackHost } from './loopback';
import type { RuntimeMetrics } from './metrics';
import type { Readiness } from './readiness';

export interface HttpAppOptions {
  factory: McpServerFactory;
  config: RuntimeConfig;
  logger: Logger;
  metrics: RuntimeMetrics;
  readiness: Readiness;
  /** The tools the service registers, with the access each declares (listDeclared). */
  tools: ExchangeOptions['tools'];
  others?: ExchangeOptions['others'];
  /** Where the service's change events come from (ServeOptions.bus); an in-process one without it. */
  bus?: ServerEventBus;
  /** Verifies a bearer token; a throw answers 401 with its message. Without it, Authorization is not read. */
  authenticate?: Authenticate;
  resourceServer?: ExchangeOptions['resourceServer'];
  tracer?: ExchangeOptions['tracer'];
}

export interface HttpApp {
  server: Server;
  /** Stops accepting, lets in-flight requests finish within graceMs, and says how many had to be cut. */
  drain(graceMs: number): Promise<{ cut: number }>;
}

// Links the web Request the SDK adapter builds back to our exchange (readOutcome): set on the Node request of one the
// SDK's entry answers, copied by the adapter.
const SCOPE_HEADER = 'x-mcp-fleet-scope';

export function createHttpApp(options: HttpAppOptions): HttpApp {
  const { config, logger, metrics, readiness } = options;
  const rules = exchangeRules({ ...options, reach: isLoopbackHost(config.host) ? 'loopback' : 'network' });
  const { maxBody } = rules;
  const linger = { bytes: config.http.lingerBytes, ms: config.http.lingerMs };
  const onerror = (error: Error) => logger.warn({ err: error.message }, 'mcp request rejected by the SDK');

  const lane = config.http.fastLane ? new FastLane(laneWarning(logger)) : undefined;
  const mcp = createMcpHandler(pooledFactory(options.factory, lane), {
    legacy: config.http.legacySessions ? 'reject' : 'stateless',
    maxRequestBodySize: maxBody,
    onerror,
    // subscriptions/listen streams hear the service's events (notifierOf), each only what its caller may.
    bus: audienceBus(options.bus ?? new InMemoryServerEventBus(), metrics.subscriptionsOpen),
    maxSubscriptions: config.http.maxSubscriptions,
  });
  const sessions = config.http.legacySessions
    ? new LegacySessions(options.factory, { idleMs: config.http.sessionIdleMs, maxSessions: config.http.maxSessions, logger })
    : undefined;
  const serveMcp = toNodeHandler(
    { fetch: async (request, extra) => readOutcome(request, await mcp.fetch(request, extra)) },
    { maxRequestBodySize: maxBody, onerror },
  );

  let inFlight = 0;
  let nextScope = 0;
  const scopes = new Map<string, ExchangeScope>();
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

  /** Answers a request before (or instead of) reading its body, which is then discarded within bounds. */
  function reject(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    sendRpcError(res, refusal.status, refusal.code, refusal.message, refusal.headers);
    discardRest(req, linger);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0]!;
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
        if (path.startsWith(RESOURCE_METADATA_PATH)) return serveMetadata(req, res, path);
        return sendJson(res, 404, { error: `no route for ${path}; the MCP endpoint is /mcp, probes are /healthz, /readyz and /metrics` });
    }
  }

  /** The protected-resource metadata (RFC 9728), for any origin to read; 404 where the service has none. */
  function serveMetadata(req: IncomingMessage, res: ServerResponse, path: string): void {
    const answer = rules.protectedResourceMetadata(path, req.headers.host);
    if (!answer) return sendJson(res, 404, { error: `no protected-resource metadata at ${path}` });
    if ('status' in answer) return sendRpcError(res, answer.status, answer.code, answer.message);
    return sendJson(res, 200, answer.document, METADATA_HEADERS);
  }

  /** /mcp: observe the exchange, admit the request or refuse it, dispatch it. */
  async function handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const scope = observe(req, res);
    const admitted = await rules.admit(new NodeIncoming(req), scope);
    if ('status' in admitted) return reject(req, res, admitted);
    return scope.span ? withinSpan(scope.span, () => dispatch(req, res, admitted, scope)) : dispatch(req, res, admitted, scope);
  }

  /** Gives the exchange its request id, and counts and logs it when its response closes, whatever answered it. */
  function observe(req: IncomingMessage, res: ServerResponse): ExchangeScope {
    const scope = rules.begin(req.method!, req.headers['x-request-id'], undefined, String(nextScope++));
    res.setHeader('x-request-id', scope.requestId);
    metrics.inFlight.inc();
    res.once('close', () => {
      scopes.delete(scope.key);
      if (scope.holdsDrain) inFlight--;
      metrics.inFlight.dec();
      rules.end(scope, { httpMethod: req.method!, status: res.statusCode, seconds: (performance.now() - scope.startedAt) / 1000 });
    });
    return scope;
  }

  /** Hands the request to a legacy session, the fast lane or the SDK's entry, in that order of precedence. */
  async function dispatch(req: IncomingMessage, res: ServerResponse, { body, authInfo }: Admitted, scope: ExchangeScope): Promise<void> {
    // The pipeline reads the request id and client address from here (ctx.http.req), whatever the client sent.
    req.headers['x-request-id'] = scope.requestId;
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req, config.http.trustProxy);
    // Where the SDK's Node adapter takes the caller from.
    if (authInfo) (req as IncomingMessage & { auth?: AuthInfo }).auth = authInfo;
    if (scope.holdsDrain) inFlight++;

    if (sessions && (await isLegacyRequest(toProbeRequest(req), body, { maxRequestBodySize: maxBody }))) {
      return sessions.handle(req, res, body, !draining());
    }
    if (fault.on && scope.labels.method === 'tools/call') {
      return sendRpcError(res, 500, JSON_RPC.internalError, 'Internal error (a test-only fault is on: faults.toggleOnSignal)');
    }
    if (lane?.serve({ req, res, body, authInfo, settle: (outcome) => (scope.outcome = outcome) })) return;
    req.headers[SCOPE_HEADER] = scope.key;
    scopes.set(scope.key, scope);
    return scope.labels.method === 'subscriptions/listen' ? asListener(authInfo, () => serveMcp(req, res, body)) : serveMcp(req, res, body);
  }

  /** Judges an answer the SDK's entry gave, for the exchange it belongs to. */
  async function readOutcome(request: Request, response: Response): Promise<Response> {
    const scope = scopes.get(request.headers.get(SCOPE_HEADER) ?? '');
    return scope ? rules.judge(scope, request, response) : response;
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

/** A Node request as the exchange's rules read it (a class: one object per request, no closures). */
class NodeIncoming implements Incoming {
  readonly method: string;
  constructor(private readonly req: IncomingMessage) {
    this.method = req.method!;
  }
  header(name: Parameters<Incoming['header']>[0]): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  }
  body(limit: number): string | undefined | Promise<string | undefined> {
    return readBody(this.req, limit);
  }
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
    const onEnd = () => resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
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

/** The connection's address, or with `trustProxy` hops of proxies in front the address the outermost trusted one saw. */
function clientAddress(req: IncomingMessage, trustProxy: number): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy === 0) return socket;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter(Boolean);
  const chain = [...forwarded, socket];
  return chain[Math.max(0, chain.length - 1 - trustProxy)]!;
}

/** A body-less web Request with the headers the SDK's era classification reads; the parsed body goes beside it. */
function toProbeRequest(req: IncomingMessage): Request {
  return new Request(`http://localhost${req.url ?? '/mcp'}`, { method: req.method, headers: toWebHeaders(req) });
}
