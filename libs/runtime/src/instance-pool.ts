import { McpServer, type McpRequestContext, type McpServerFactory, type Server } from '@modelcontextprotocol/server';

type Instance = McpServer | Server;

/** Idle instances kept at most: past a burst, the extra ones are left to the garbage collector. */
export const MAX_IDLE = 256;

/**
 * Reuses the server instances the SDK's HTTP entry asks the factory for, instead of building one per request.
 *
 * Building an instance (construct it, register every tool, compile their schemas) is most of what a request
 * costs, and it grows with the number of tools. In the 2026-07-28 era an instance that has finished its exchange
 * holds nothing of it: the entry sets the negotiated version, the modern handlers and the client's identity from
 * each request's envelope before dispatching. So an idle modern instance is handed to the next request.
 * Not reused: 2025-era instances (a stateless legacy request may change instance state, e.g. logging/setLevel),
 * and every instance of a factory that reads `ctx.authInfo` or `ctx.requestInfo` (it builds per principal).
 *
 * With a `lane` (the runtime's FastLane), an idle instance goes to it first.
 *
 * The SDK asks for "a new instance for each request" and enforces only that an instance is not serving another
 * one (`assertNotServing`); `instance-pool.test.ts` fails if a release stops accepting an idle instance.
 */
export function pooledFactory(factory: McpServerFactory, lane?: { adopt(instance: Instance): boolean }): McpServerFactory {
  const idle: Instance[] = [];
  let perPrincipal = false;

  const track = (product: Instance): Instance => {
    const server = product instanceof McpServer ? product.server : product;
    // The entry wraps onclose for each exchange and puts ours back afterwards: a closed instance is idle again.
    server.onclose = () => {
      if (!lane?.adopt(product) && idle.length < MAX_IDLE) idle.push(product);
    };
    return product;
  };

  return async (ctx: McpRequestContext) => {
    if (ctx.era !== 'modern' || perPrincipal) return factory(ctx);
    const ready = idle.pop();
    if (ready) return ready;
    let readsRequest = false;
    const watched = new Proxy(ctx, {
      get(target, key, receiver) {
        if (key === 'authInfo' || key === 'requestInfo') readsRequest = true;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const built = await factory(watched);
    if (readsRequest) perPrincipal = true;
    return perPrincipal ? built : track(built);
  };
}
