import type { Middleware } from './context';
import { TimeoutError } from './errors';

export interface TimeoutOptions {
  ms: number;
  /** Per-name limits, for the few calls that are slow by design. */
  overrides?: Record<string, number>;
}

/** Gives up on a call after its limit: aborts the call (and so the handler's signal) and answers with a timeout error. */
export function timeout(options: TimeoutOptions): Middleware {
  return async (ctx, next) => {
    const ms = options.overrides?.[ctx.name] ?? options.ms;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(`${ctx.kind} ${ctx.name} timed out after ${ms} ms`);
        ctx.abort(error);
        reject(error);
      }, ms);
    });
    try {
      return await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
