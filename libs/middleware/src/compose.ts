import type { CallContext, Middleware } from './context';

/**
 * Runs the middlewares in order around `handler`, Koa-style: each gets the context and a `next` that runs the
 * rest of the chain. `next` may be called at most once; an error travels back up through every middleware. A
 * middleware's or the handler's throw comes back as a rejection, and the handler's plain value as a promise of it.
 */
export function compose(middlewares: readonly Middleware[]): (ctx: CallContext, handler: () => unknown) => Promise<unknown> {
  return (ctx, handler) => {
    let last = -1;
    const dispatch = (index: number): Promise<unknown> => {
      if (index <= last) return Promise.reject(new Error(`middleware ${index - 1} called next() more than once`));
      last = index;
      const middleware = middlewares[index];
      try {
        // Promise.resolve hands a handler's own promise back as it is: no more microtask turns than it takes.
        return middleware ? middleware(ctx, () => dispatch(index + 1)) : Promise.resolve(handler());
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}
