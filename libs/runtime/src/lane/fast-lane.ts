import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  McpServer,
  PROTOCOL_VERSION_META_KEY,
  RELATED_TASK_META_KEY,
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  SUPPORTED_PROTOCOL_VERSIONS,
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageClassification,
  type Server,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { reportedOutcome } from '@mcp-fleet/middleware';
import { IdleInstances, principalOf, SHARED, type InstanceTaker } from '../instance-pool';
import { outcomeOfMessage, toWebHeaders } from '../json-rpc';
import type { Logger } from '../logger';
import type { Outcome } from '../metrics-contract';
import { dispatchRequest, ENVELOPE_KEYS, LazyAbort } from './dispatch';
import { holdsClientState, missingInternals, writeClientIdentity } from './sdk-internals';

/**
 * Methods a single request may take the lane for, in either era: the instance answers them entirely and keeps no
 * state of them. Everything else (initialize, logging/setLevel, subscriptions, server/discover, notifications,
 * batches, legacy sessions) goes to the SDK's entry.
 */
const LANE_METHODS = new Set([
  'tools/call',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'ping',
]);
/** The body field the Mcp-Name header mirrors, per method (SEP-2243). */
const NAMED_BY: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
/**
 * Listings an instance answers the same way until it announces a change, with the announcement each follows
 * (McpServer makes it on every register, update, enable, disable and remove): building one, converting every
 * schema, costs more than the rest of the request. Not resources/list: a template's list callback may answer
 * differently each time.
 */
const LISTINGS = {
  'tools/list': 'sendToolListChanged',
  'prompts/list': 'sendPromptListChanged',
  'resources/templates/list': 'sendResourceListChanged',
} as const;
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
/** The 2025-era revisions (MCP-Protocol-Version) the SDK's stateless legacy entry serves. */
export const LEGACY_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < '2026'));
const MAX_ENVELOPES = 1024;
const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
const SSE_KEEP_ALIVE_MS = 15_000;

/** One HTTP exchange the lane is serving. */
interface Exchange {
  id: JSONRPCRequest['id'];
  res: LaneResponse;
  /** A 2025-era request: its answer is an event stream, as the SDK's stateless legacy entry writes it. */
  legacy: boolean;
  /** True while the message is handed to the instance synchronously: an error sent then is a pre-handler one. */
  dispatching: boolean;
  declined: boolean;
  keepAlive?: NodeJS.Timeout;
  /** The handler's signal, aborted when the exchange is cut off. */
  aborter: LazyAbort;
  /** The request as the handler sees it (`ctx.http.req`), under which the pipeline reports the call's outcome. */
  request: Request;
  /** Given the text of a successful JSON answer, for the instance's memo of its listings. */
  remember?(text: string): void;
  settle(outcome: Outcome): void;
}

/**
 * A Transport that stays connected to one pooled instance for its whole life and carries one exchange at a time,
 * writing the answer straight to the Node response: no per-request connect, web Request/Response, or close.
 */
class LaneTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  exchange?: Exchange;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.exchange?.keepAlive);
    this.exchange?.aborter.abort(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
    this.exchange = undefined;
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const exchange = this.exchange;
    const isResponse = !('method' in message);
    const related = isResponse ? (message as { id?: unknown }).id : options?.relatedRequestId;
    if (!exchange || related !== exchange.id) return;
    const text = JSON.stringify(message);
    if (!isResponse) {
      // A notification or request before the result: the answer becomes an event stream, as the SDK's does.
      if (!exchange.res.headersSent) this.openStream(exchange);
      exchange.res.write(`event: message\ndata: ${text}\n\n`);
      return;
    }
    if (exchange.dispatching && 'error' in message && !exchange.res.headersSent) {
      // Refused before any handler ran (era, method, envelope): the SDK's entry answers it, with its HTTP status.
      exchange.declined = true;
      return;
    }
    this.exchange = undefined;
    if (exchange.res.headersSent) {
      exchange.res.end(`event: message\ndata: ${text}\n\n`);
      clearInterval(exchange.keepAlive);
    } else {
      if ('result' in message) exchange.remember?.(text);
      writeAnswer(exchange.res, text, exchange.legacy, httpStatusOf(message));
    }
    exchange.settle(outcomeOfMessage(message as object, reportedOutcome(exchange.request)));
  }

  private openStream(exchange: Exchange): void {
    exchange.res.writeHead(200, SSE_HEADERS);
    exchange.keepAlive = setInterval(() => exchange.res.write(': keepalive\n\n'), SSE_KEEP_ALIVE_MS).unref();
  }
}

interface LaneInstance {
  product: McpServer;
  server: Server;
  transport: LaneTransport;
  /** SHARED, or the principal a per-principal factory built it for: only that principal's requests get it. */
  key: string;
  /** Its era's idle instances, where it goes back after each exchange. */
  pool: IdleInstances<LaneInstance>;
  /** Its answers to the LISTINGS methods, each up to its id. */
  listings: Map<string, string>;
  /** How many changes the instance has announced: a listing made across one is not kept. */
  changes: number;
  /**
   * Whether each registered tool's input schema declares x-mcp-header parameters (the SDK's entry checks those
   * headers itself); at most one entry per registered tool.
   */
  headerTools: Map<string, boolean>;
}

interface Route {
  message: JSONRPCRequest;
  /** A modern request's; none for a 2025-era one. */
  classification?: MessageClassification;
}

/** What the lane reads of a request: a Node IncomingMessage, or the Lambda host's plain object of the same fields. */
export type LaneIncoming = Pick<IncomingMessage, 'method' | 'url' | 'headers'>;

/** What the lane writes an answer to: a Node ServerResponse, or the Lambda host's response sink. */
export interface LaneResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): LaneResponse;
  write(chunk: string): unknown;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/** What the runtime hands the lane for one request. */
export interface LaneRequest {
  req: LaneIncoming;
  res: LaneResponse;
  body: unknown;
  authInfo?: AuthInfo;
  /** Called once with the outcome when the answer has been written (not when declined). */
  settle(outcome: Outcome): void;
}

/** The warning a host logs when the lane turns itself off. */
export const laneWarning =
  (logger: Pick<Logger, 'warn'>) =>
  (missing: string[]): void =>
    logger.warn(
      { missing },
      'fast lane off: this SDK release lacks internals it dispatches with (lane/sdk-internals.ts); every request takes the SDK entry',
    );

/**
 * The fast lane: modern (2026-07-28) single requests served on pooled instances that stay connected to a
 * LaneTransport. The SDK's own handlers, validation, errors and result encoding answer, so answers are the SDK's;
 * what is skipped is the per-request machinery around them.
 *
 * What it takes from the SDK beyond the public API, here and in lane-dispatch.ts: an instance keeps the era the
 * SDK's entry gave it when it served its first exchange (it stays bound across connects), the client identity of
 * each request is written where the SDK's entry writes it (`_clientVersion`, `_clientCapabilities`), and requests
 * are dispatched with the protocol layer's own parts (dispatchRequest). `fast-lane.test.ts` fails if a release
 * changes any of these.
 */
export class FastLane implements InstanceTaker {
  private idle = new IdleInstances<LaneInstance>('shared');
  /** Instances bound to the 2025 era, apart: an instance answers in the era of its first exchange. */
  private legacyIdle = new IdleInstances<LaneInstance>('shared');
  /** Set by the first instance adopted with a principal: from then on requests are served per principal. */
  private perPrincipal = false;
  private readonly busy = new Set<LaneInstance>();
  /** Envelopes the SDK has classified as a modern request, with its classification (see classify). */
  private readonly envelopes = new Map<string, MessageClassification>();
  /** The envelope of the last request classify took, with its classification. */
  private lastEnvelope?: { meta: Record<string, unknown>; classification: MessageClassification };
  private closed = false;
  /** Set when an instance lacked an SDK internal the lane needs: the lane takes nothing from then on. */
  private disabled = false;

  /** `warn` is told once, when the lane turns itself off (an SDK release without an internal it needs). */
  constructor(private readonly warn: (missing: string[]) => void = () => undefined) {}

  /**
   * Takes an instance that has finished an exchange on the SDK's entry, built for `principal` when its factory
   * builds per principal; false when not wanted. A 2025-era one only while it holds nothing of a client (see
   * holdsClientState): a stateless legacy exchange may have been initialize or logging/setLevel.
   */
  adopt(product: McpServer | Server, principal?: string, era: 'modern' | 'legacy' = 'modern'): boolean {
    const server = product instanceof McpServer ? product.server : product;
    if (this.closed || !(product instanceof McpServer) || server.transport || (principal === undefined && this.perPrincipal)) return false;
    if (this.disabled) return false;
    const missing = missingInternals(server);
    if (missing.length > 0) {
      // Every request then goes through the SDK's own entry: slower, never wrong.
      this.disabled = true;
      this.warn(missing);
      return false;
    }
    if (era === 'legacy' && holdsClientState(server)) return false;
    if (principal !== undefined && !this.perPrincipal) {
      // The factory turned out to build per principal: what it built before may not serve everyone.
      this.perPrincipal = true;
      for (const dropped of [...this.idle.drain(), ...this.legacyIdle.drain()]) void dropped.transport.close();
      this.idle = new IdleInstances('per principal');
      this.legacyIdle = new IdleInstances('per principal');
    }
    const pool = era === 'legacy' ? this.legacyIdle : this.idle;
    const transport = new LaneTransport();
    const instance: LaneInstance = {
      product,
      server,
      transport,
      key: principal ?? SHARED,
      pool,
      listings: new Map(),
      changes: 0,
      headerTools: new Map(),
    };
    for (const announcer of new Set(Object.values(LISTINGS))) {
      const announce = product[announcer].bind(product);
      product[announcer] = () => {
        instance.listings.clear();
        instance.headerTools.clear();
        instance.changes++;
        announce();
      };
    }
    void product.connect(transport).then(() => {
      // Not closed when its key has its fill: closing would hand it back to the pool, and the pool back here.
      if (this.closed) void transport.close();
      else pool.put(instance.key, instance);
    });
    return true;
  }

  /**
   * Serves the request when it can and says so; on false nothing has been written and the body can go to the
   * SDK's entry as it is.
   */
  serve(request: LaneRequest): boolean {
    const route = this.route(request);
    if (!route) return false;
    const legacy = route.classification === undefined;
    const instance = (legacy ? this.legacyIdle : this.idle).take(this.perPrincipal ? principalOf(request.authInfo) : SHARED);
    if (!instance) return false;
    const { method, params } = route.message;
    const era = legacy ? undefined : route.classification!.revision;
    // The SDK's legacy entry checks no mirrored headers (SEP-2243 is of 2026-07-28): only a modern call may need them.
    if (
      instance.server.getNegotiatedProtocolVersion() !== era ||
      (!legacy && method === 'tools/call' && declaresHeaders(instance, String(params?.name)))
    ) {
      instance.pool.put(instance.key, instance);
      return false;
    }
    const { res } = request;
    const { id } = route.message;
    const listing = Object.hasOwn(LISTINGS, method) && Object.keys(params ?? {}).every((key) => key === '_meta');
    const listed = listing ? instance.listings.get(method) : undefined;
    if (listed !== undefined) {
      writeAnswer(res, `${listed}${JSON.stringify(id)}}`, legacy);
      instance.pool.put(instance.key, instance);
      request.settle('ok');
      return true;
    }
    if (!legacy) {
      // A 2025-era request has no envelope: its instance keeps knowing no client, as the SDK's entry leaves it.
      const meta = (params?._meta ?? {}) as Record<string, unknown>;
      writeClientIdentity(instance.server, meta[CLIENT_INFO_META_KEY], meta[CLIENT_CAPABILITIES_META_KEY]);
    }

    const changes = instance.changes;
    const exchange: Exchange = {
      id,
      res,
      legacy,
      dispatching: true,
      declined: false,
      aborter: new LazyAbort(),
      request: lazyWebRequest(request.req),
      remember: listing
        ? (text) => {
            // The answer is {"result":…,"jsonrpc":"2.0","id":…}: kept up to its id when it is exactly that.
            const idAndEnd = `${JSON.stringify(id)}}`;
            if (instance.changes === changes && text.endsWith(`,"id":${idAndEnd}`))
              instance.listings.set(method, text.slice(0, -idAndEnd.length));
          }
        : undefined,
      settle: (outcome) => {
        this.busy.delete(instance);
        if (!this.closed) instance.pool.put(instance.key, instance);
        request.settle(outcome);
      },
    };
    // A client gone before the answer: closing the transport aborts the handler, as the SDK's entry does.
    const onClose = () => {
      if (instance.transport.exchange !== exchange) return;
      this.busy.delete(instance);
      void instance.transport.close();
    };
    this.busy.add(instance);
    instance.transport.exchange = exchange;
    res.once('close', onClose);
    // Straight to the request dispatch: the transport's onmessage would first test the message against three zod
    // schemas to find out it is a request, which the classification already says.
    dispatchRequest(
      instance.server,
      route.message,
      // Absent members as undefined, not spread in: the SDK reads each by value, and a spread copies.
      { classification: route.classification, request: exchange.request, authInfo: request.authInfo },
      exchange.aborter,
    );
    exchange.dispatching = false;
    if (!exchange.declined) return true;
    res.off('close', onClose);
    instance.transport.exchange = undefined;
    this.busy.delete(instance);
    instance.pool.put(instance.key, instance);
    return false;
  }

  /** The route of a request the lane can serve, or undefined. Stricter than the entry: anything else is its to answer. */
  private route({ req, body }: LaneRequest): Route | undefined {
    if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'])) return undefined;
    const method = (body as { method?: unknown } | null)?.method;
    if (typeof method !== 'string' || !LANE_METHODS.has(method)) return undefined;
    const protocolVersionHeader = header(req, 'mcp-protocol-version');
    const mcpMethodHeader = header(req, 'mcp-method');
    const mcpNameHeader = header(req, 'mcp-name');
    if (protocolVersionHeader !== undefined && LEGACY_VERSIONS.has(protocolVersionHeader)) return this.legacyRoute(req, body);
    if (this.idle.size === 0 || protocolVersionHeader === undefined || mcpMethodHeader !== method) return undefined;
    const field = NAMED_BY[method];
    if (field) {
      const named = (body as { params?: Record<string, unknown> }).params?.[field];
      // A Base64 sentinel is the entry's to decode and check.
      if (typeof named !== 'string' || mcpNameHeader !== named || named.startsWith('=?base64?')) return undefined;
    }
    return this.classify(body, protocolVersionHeader, mcpMethodHeader, mcpNameHeader);
  }

  /**
   * A 2025-era request the SDK's stateless legacy entry would serve with nothing but its handler: what that entry
   * checks (Accept naming both types, a supported version) holds, no session is named, and the body is one plain
   * request without `_meta`, which the SDK's schemas surely accept. Its classifier is not asked: a request whose
   * params carry no `_meta` claims no envelope, and with a 2025 version in its header and a method other than
   * initialize it is legacy ("no-claim") every time (SDK 2.4, classifyRequestBody).
   */
  private legacyRoute(req: LaneIncoming, body: unknown): Route | undefined {
    if (this.legacyIdle.size === 0 || req.headers['mcp-session-id'] !== undefined) return undefined;
    const accept = header(req, 'accept');
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    if (!isObject(body) || !Object.keys(body).every((key) => REQUEST_KEYS.has(key))) return undefined;
    const { jsonrpc, id, params } = body;
    if (
      jsonrpc !== '2.0' ||
      !(typeof id === 'string' || Number.isSafeInteger(id)) ||
      (params !== undefined && (!isObject(params) || '_meta' in params))
    )
      return undefined;
    return { message: body as JSONRPCRequest };
  }

  /**
   * The SDK's classification, remembered per envelope for requests of a shape its schemas accept for certain and
   * whose header repeats the envelope's version exactly: its zod checks cost more than the rest of the lane, and a
   * client sends the same envelope on every request. Anything else is classified by the SDK each time.
   */
  private classify(
    body: unknown,
    protocolVersionHeader: string,
    mcpMethodHeader: string,
    mcpNameHeader: string | undefined,
  ): Route | undefined {
    const meta = plainRequestMeta(body);
    const cacheable = meta !== undefined && meta[PROTOCOL_VERSION_META_KEY] === protocolVersionHeader;
    // The envelope the last request carried, compared member by member before one is made into a key.
    if (cacheable && this.lastEnvelope && ENVELOPE_KEYS.every((key) => sameJson(meta[key], this.lastEnvelope!.meta[key]))) {
      return { message: body as JSONRPCRequest, classification: this.lastEnvelope.classification };
    }
    const key = cacheable ? envelopeKey(meta) : undefined;
    let classification = key === undefined ? undefined : this.envelopes.get(key);
    if (!classification) {
      const route = classifyInboundRequest({ httpMethod: 'POST', body, protocolVersionHeader, mcpMethodHeader, mcpNameHeader });
      if (route.kind !== 'modern' || route.messageKind !== 'request') return undefined;
      classification = route.classification;
      if (key !== undefined) {
        if (this.envelopes.size >= MAX_ENVELOPES) this.envelopes.clear();
        this.envelopes.set(key, classification);
      }
    }
    if (cacheable) this.lastEnvelope = { meta, classification };
    return { message: body as JSONRPCRequest, classification };
  }

  /** Disconnects every instance; in-flight exchanges are aborted (the runtime calls this after its drain). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle.drain(), ...this.legacyIdle.drain(), ...this.busy];
    this.busy.clear();
    await Promise.all(all.map((instance) => instance.transport.close()));
  }
}

function declaresHeaders(instance: LaneInstance, tool: string): boolean {
  let declares = instance.headerTools.get(tool);
  if (declares === undefined) {
    const schema = instance.product.toolInputSchemaJson(tool);
    declares = schema !== undefined && JSON.stringify(schema).includes('"x-mcp-header"');
    // Remembered for registered tools only: the name is the caller's, and an unknown one would grow the map.
    if (schema !== undefined) instance.headerTools.set(tool, declares);
  }
  return declares;
}

/**
 * The request's `_meta` when the body is a JSON-RPC request the SDK's schema surely accepts (no extra members, an
 * integer or string id, object params and `_meta`, a plain progress token, no task metadata); else undefined.
 */
function plainRequestMeta(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body) || !Object.keys(body).every((key) => REQUEST_KEYS.has(key))) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || typeof method !== 'string' || !(typeof id === 'string' || Number.isSafeInteger(id)) || !isObject(params))
    return undefined;
  const meta = params._meta;
  if (!isObject(meta) || RELATED_TASK_META_KEY in meta) return undefined;
  const token = meta.progressToken;
  return token === undefined || typeof token === 'string' || Number.isSafeInteger(token) ? meta : undefined;
}

/** The envelope members the SDK validates, as one string: absent and null stay distinct. */
function envelopeKey(meta: Record<string, unknown>): string {
  return JSON.stringify({
    version: meta[PROTOCOL_VERSION_META_KEY],
    info: meta[CLIENT_INFO_META_KEY],
    capabilities: meta[CLIENT_CAPABILITIES_META_KEY],
    level: meta[LOG_LEVEL_META_KEY],
  });
}

/** Whether two parsed JSON values are the same (object members in the same order, as JSON.stringify would see them). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  return (
    keys.length === otherKeys.length &&
    keys.every((key, i) => key === otherKeys[i] && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The JSON answers made ready in this turn of the event loop, written together at its end (setImmediate) rather
 * each as soon as it is ready. A turn serves every request whose bytes arrived together; writing their answers
 * back to back wakes each reader once per batch instead of once per answer, which cost more CPU than the whole MCP
 * dispatch (the bench's CPU per call, variant (b), shows it) and lengthened the tail. A lone request waits only for
 * its own turn.
 */
const answers: { res: LaneResponse; text: string; legacy: boolean; status: number }[] = [];

/** JSON for a modern request; for a 2025-era one the one-event stream the SDK's legacy entry answers with. */
function writeAnswer(res: LaneResponse, text: string, legacy: boolean, status = 200): void {
  if (answers.length === 0) setImmediate(writeAnswers);
  answers.push({ res, text, legacy, status });
}

/**
 * The HTTP status of a JSON answer, as the SDK's entry gives it: a handler's error stays in-band on 200, except
 * MissingRequiredClientCapability (-32021), which the spec answers with 400 (SDK 2.4, httpStatusForErrorCode).
 */
function httpStatusOf(message: JSONRPCMessage): number {
  return 'error' in message && message.error.code === ProtocolErrorCode.MissingRequiredClientCapability ? 400 : 200;
}

function writeAnswers(): void {
  for (const { res, text, legacy, status } of answers.splice(0)) {
    try {
      if (legacy) {
        // Its length is known, so it goes out in one write rather than chunked (header, size, data, trailer).
        const stream = `event: message\ndata: ${text}\n\n`;
        res.writeHead(200, { ...SSE_HEADERS, 'content-length': Buffer.byteLength(stream) }).end(stream);
      } else res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    } catch (error) {
      // One answer that cannot be written (its exchange was ended meanwhile) must not hold back the others.
      res.destroy(error as Error);
    }
  }
}

/** A single header's value; Node has already stripped the whitespace around it that the SDK strips. */
function header(req: LaneIncoming, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The web Request a handler sees as `ctx.http.req`, made only when it is used beyond its method, URL and headers,
 * and its Headers only when used beyond `get` and `has`: building them would cost more than the rest of the lane.
 */
function lazyWebRequest(req: LaneIncoming): Request {
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`;
  let webHeaders: Headers | undefined;
  const realHeaders = () => (webHeaders ??= toWebHeaders(req));
  // Node's header names are lower-case and its repeated values joined as Headers joins them; any other name
  // (one Headers would refuse) goes to the real Headers.
  const read = (name: string) => {
    if (!HEADER_NAME.test(name)) return realHeaders().get(name);
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  const headers = deferred(Headers.prototype, realHeaders, { get: read, has: (name: string) => read(name) !== null });
  return deferred(Request.prototype, () => new Request(url, { method: req.method, headers: realHeaders() }), {
    method: req.method,
    url,
    headers,
  });
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * An object of `prototype`'s class that answers `known` itself and anything else from `make()`, called once. What
 * is set on it stays on it (the pipeline's outcome report), and reading that back makes nothing.
 */
function deferred<T extends object>(prototype: T, make: () => T, known: Record<string, unknown>): T {
  let real: T | undefined;
  return new Proxy(Object.create(prototype) as T, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(known, key)) return known[key];
      if (Object.hasOwn(target, key)) return Reflect.get(target, key);
      real ??= make();
      const value = Reflect.get(real, key) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
    // Without it, a set takes the Proxy's generic path through the prototype chain.
    set: (target, key, value) => Reflect.set(target, key, value),
  });
}
