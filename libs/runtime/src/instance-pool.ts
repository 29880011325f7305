import { McpServer, type McpRequestContext, type McpServerFactory, type Server } from '@modelcontextprotocol/server';

type Instance = McpServer | Server;

/** Idle instances kept at most: past a burst, the extra ones are left to the garbage collector. */
export const MAX_IDLE = 256;
/** For a factory that builds per principal: the principals kept (least recently served dropped first), and the idle instances of each. */
const MAX_PRINCIPALS = 64;
const MAX_IDLE_PER_PRINCIPAL = MAX_IDLE / MAX_PRINCIPALS;

/** What the factory has been seen to read of its context: the instances it builds may depend on that much. */
type Reads = 'nothing' | 'authInfo' | 'request';
const RANK: Record<Reads, number> = { nothing: 0, authInfo: 1, request: 2 };

/**
 * Reuses the server instances the SDK's HTTP entry asks the factory for, instead of building one per request.
 *
 * Building an instance (construct it, register every tool, compile their schemas) is most of what a request
 * costs, and it grows with the number of tools. In the 2026-07-28 era an instance that has finished its exchange
 * holds nothing of it: the entry sets the negotiated version, the modern handlers and the client's identity from
 * each request's envelope before dispatching. So an idle modern instance is handed to the next request:
 * - of any caller, while the factory reads neither `ctx.authInfo` nor `ctx.requestInfo`; such an instance goes to
 *   the `lane` (the runtime's FastLane) first;
 * - of the same principal (the same verified token, or no token), once the factory has read `ctx.authInfo`: it
 *   builds per principal, so its instances are kept per principal, for the 64 principals served most recently;
 * - never, once the factory has read `ctx.requestInfo` (the instance may depend on anything in the request).
 * Every build is watched, and when the factory is first seen reading more, the instances kept so far are dropped;
 * a factory that reads `ctx.authInfo` on some builds only is not told apart (the lane keeps what it has taken).
 * Not reused either: 2025-era instances (a stateless legacy request may change instance state, e.g.
 * logging/setLevel).
 *
 * The SDK asks for "a new instance for each request" and enforces only that an instance is not serving another
 * one (`assertNotServing`); `instance-pool.test.ts` fails if a release stops accepting an idle instance.
 */
export function pooledFactory(factory: McpServerFactory, lane?: { adopt(instance: Instance): boolean }): McpServerFactory {
  const shared: Instance[] = [];
  /** Idle instances by principal, the most recently served last. */
  const byPrincipal = new Map<string, Instance[]>();
  let reads: Reads = 'nothing';

  const keep = (principal: string | undefined, product: Instance) => {
    if (principal === undefined) {
      if (reads === 'nothing' && !lane?.adopt(product) && shared.length < MAX_IDLE) shared.push(product);
      return;
    }
    if (reads !== 'authInfo') return;
    const idle = byPrincipal.get(principal) ?? [];
    byPrincipal.delete(principal);
    byPrincipal.set(principal, idle);
    if (idle.length < MAX_IDLE_PER_PRINCIPAL) idle.push(product);
    if (byPrincipal.size > MAX_PRINCIPALS) byPrincipal.delete(byPrincipal.keys().next().value!);
  };

  const track = (product: Instance, principal: string | undefined): Instance => {
    const server = product instanceof McpServer ? product.server : product;
    // The entry wraps onclose for each exchange and puts ours back afterwards: a closed instance is idle again.
    server.onclose = () => keep(principal, product);
    return product;
  };

  return async (ctx: McpRequestContext) => {
    if (ctx.era !== 'modern' || reads === 'request') return factory(ctx);
    const principal = reads === 'authInfo' ? (ctx.authInfo?.token ?? '') : undefined;
    const ready = principal === undefined ? shared.pop() : byPrincipal.get(principal)?.pop();
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
      shared.length = 0;
      byPrincipal.clear();
    }
    if (reads === 'request') return built;
    return track(built, reads === 'authInfo' ? (ctx.authInfo?.token ?? '') : undefined);
  };
}
