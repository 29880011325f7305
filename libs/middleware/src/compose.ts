import type { CallContext, Middleware } from './context';

/**
 * Runs the middlewares in order around `handler`, Koa-style: each gets the context and a `next` that runs the
 * rest of the chain. `next` may be called at most once; an error travels back up through every middleware.
 */
export function compose(middlewares: readonly Middleware[]): (ctx: CallContext, handler: () => Promise<unknown>) => Promise<unknown> {
  return (ctx, handler) => {
    let last = -1;
    const dispatch = (index: number): Promise<unknown> => {
      if (index <= last) return Promise.reject(new Error(`middleware ${index - 1} called next() more than once`));
      last = index;
      const middleware = middlewares[index];
      if (!middleware) return handler();
      try {
        return middleware(ctx, () => dispatch(index + 1));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}
