import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, McpServer, type AuthInfo, type Server } from '@modelcontextprotocol/server';
import { IdleInstances, principalOf, SHARED, type InstanceTaker } from '../instance-pool';
import type { Logger } from '../logger';
import type { Outcome } from '../metrics-contract';
import { dispatchRequest, LazyAbort } from './dispatch';
import { LaneRouter, type LaneIncoming } from './routing';
import { holdsClientState, missingInternals, writeClientIdentity } from './sdk-internals';
import { LaneTransport, writeAnswer, type Exchange, type LaneResponse } from './transport';
import { lazyWebRequest } from './web-request';

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
 * Its parts: routing.ts decides which requests it takes and in which era, transport.ts writes answers straight
 * to the response, web-request.ts makes the handler's Request lazily, dispatch.ts hands a request to the
 * protocol layer, and sdk-internals.ts is the one file that reaches the SDK's private members.
 *
 * What it takes from the SDK beyond the public API, here and in dispatch.ts: an instance keeps the era the
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
  private readonly router = new LaneRouter();
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
    const route = this.router.route(request.req, request.body, this.idle.size > 0, this.legacyIdle.size > 0);
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
