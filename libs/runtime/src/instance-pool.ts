import { McpServer, type AuthInfo, type McpRequestContext, type McpServerFactory, type Server } from '@modelcontextprotocol/server';

type Instance = McpServer | Server;

/** Idle instances kept at most: past a burst, the extra ones are left to the garbage collector. */
const MAX_IDLE = 256;
/** For a factory that builds per principal: the principals kept (least recently served dropped first), and the idle instances of each. */
const MAX_PRINCIPALS = 64;
const MAX_IDLE_PER_PRINCIPAL = MAX_IDLE / MAX_PRINCIPALS;
/** The key of instances any caller may be served by (no principal, which is a token, can equal it). */
export const SHARED = '\0shared';

/** The principal a request is served for by a factory that builds per principal: its verified token, or none. */
export const principalOf = (authInfo: AuthInfo | undefined): string => authInfo?.token ?? '';

/**
 * Idle instances by key (SHARED, or a principal), last in first out, within bounds: for shared instances MAX_IDLE,
 * for per-principal ones 4 for each of the 64 principals served most recently.
 */
export class IdleInstances<T> {
  private readonly byKey = new Map<string, T[]>();
  private count = 0;
  private readonly perKey: number;
  private readonly keys: number;

  constructor(kind: 'shared' | 'per principal') {
    [this.perKey, this.keys] = kind === 'shared' ? [MAX_IDLE, 1] : [MAX_IDLE_PER_PRINCIPAL, MAX_PRINCIPALS];
  }

  get size(): number {
    return this.count;
  }

  take(key: string): T | undefined {
    const item = this.byKey.get(key)?.pop();
    if (item !== undefined) this.count--;
    return item;
  }

  /** Keeps `item` under `key`, which becomes the most recently used; false when the key has its fill. */
  put(key: string, item: T): boolean {
    let items = this.byKey.get(key);
    if (!items) this.byKey.set(key, (items = []));
    else if (this.keys > 1) {
      // Moved to the end: a Map iterates in insertion order, so its first key is the least recently used.
      this.byKey.delete(key);
      this.byKey.set(key, items);
    }
    if (this.byKey.size > this.keys) {
      const [oldest, dropped] = this.byKey.entries().next().value!;
      this.byKey.delete(oldest);
      this.count -= dropped.length;
    }
    if (items.length >= this.perKey) return false;
    items.push(item);
    this.count++;
    return true;
  }

  /** Every idle item, leaving none. */
  drain(): T[] {
    const all = [...this.byKey.values()].flat();
    this.byKey.clear();
    this.count = 0;
    return all;
  }
}

/** What the factory has been seen to read of its context: the instances it builds may depend on that much. */
type Reads = 'nothing' | 'authInfo' | 'request';
const RANK: Record<Reads, number> = { nothing: 0, authInfo: 1, request: 2 };

/**
 * Where an idle instance goes first: the runtime's FastLane. `principal` is set for a per-principal factory's;
 * `era` is the one of the exchange it served.
 */
export interface InstanceTaker {
  adopt(instance: Instance, principal?: string, era?: 'modern' | 'legacy'): boolean;
}

/**
 * Reuses the server instances the SDK's HTTP entry asks the factory for, instead of building one per request.
 *
 * Building an instance (construct it, register every tool, compile their schemas) is most of what a request
 * costs, and it grows with the number of tools. In the 2026-07-28 era an instance that has finished its exchange
 * holds nothing of it: the entry sets the negotiated version, the modern handlers and the client's identity from
 * each request's envelope before dispatching. So an idle modern instance is handed to the next request:
 * - of any caller, while the factory reads neither `ctx.authInfo` nor `ctx.requestInfo`;
 * - of the same principal (the same verified token, or no token), once the factory has read `ctx.authInfo`: it
 *   builds per principal, so its instances are kept per principal, for the 64 principals served most recently;
 * - never, once the factory has read `ctx.requestInfo` (the instance may depend on anything in the request).
 * An idle instance goes to the `lane` (the runtime's FastLane) first, with its principal.
 * Every build is watched, and when the factory is first seen reading more, the instances kept so far are dropped;
 * a factory that reads `ctx.authInfo` on some builds only is not told apart (the lane keeps what it has taken).
 * A 2025-era instance is offered to the lane alone, which takes it only while it holds nothing of a client (a
 * stateless legacy exchange may have been initialize or logging/setLevel); the entry never gets one back, so a
 * legacy request the lane leaves to the entry is served by a new instance, as before.
 *
 * The SDK asks for "a new instance for each request" and enforces only that an instance is not serving another
 * one (`assertNotServing`); `instance-pool.test.ts` fails if a release stops accepting an idle instance.
 */
export function pooledFactory(factory: McpServerFactory, lane?: InstanceTaker): McpServerFactory {
  const shared = new IdleInstances<Instance>('shared');
  const byPrincipal = new IdleInstances<Instance>('per principal');
  let reads: Reads = 'nothing';

  const keep = (principal: string | undefined, product: Instance, era: 'modern' | 'legacy') => {
    // Built for what the factory is now known to read (anyone, or one principal): else it is left to the collector.
    if ((principal === undefined ? reads !== 'nothing' : reads !== 'authInfo') || lane?.adopt(product, principal, era) || era === 'legacy')
      return;
    if (principal === undefined) shared.put(SHARED, product);
    else byPrincipal.put(principal, product);
  };

  const track = (product: Instance, principal: string | undefined, era: 'modern' | 'legacy'): Instance => {
    const server = product instanceof McpServer ? product.server : product;
    // The entry wraps onclose for each exchange and puts ours back afterwards: a closed instance is idle again.
    server.onclose = () => keep(principal, product, era);
    return product;
  };

  return async (ctx: McpRequestContext) => {
    const era = ctx.era === 'modern' ? 'modern' : 'legacy';
    if (reads === 'request' || (era === 'legacy' && !lane)) return factory(ctx);
    const ready = era === 'legacy' ? undefined : reads === 'authInfo' ? byPrincipal.take(principalOf(ctx.authInfo)) : shared.take(SHARED);
    if (ready) return ready;
    const seen: { reads: Reads } = { reads: 'nothing' };
    const watched = new Proxy(ctx, {
      get(target, key, receiver) {
        if (key === 'requestInfo') seen.reads = 'request';
        else if (key === 'authInfo' && seen.reads === 'nothing') seen.reads = 'authInfo';
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const built = await factory(watched);
    if (RANK[seen.reads] > RANK[reads]) {
      reads = seen.reads;
      shared.drain();
      byPrincipal.drain();
    }
    if (reads === 'request') return built;
    return track(built, reads === 'authInfo' ? principalOf(ctx.authInfo) : undefined, era);
  };
}
