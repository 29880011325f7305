import type { CallContext, Middleware } from './context';
import { TimeoutError } from './errors';

export interface TimeoutOptions {
  ms: number;
  /** Per-name limits, for the few calls that are slow by design. */
  overrides?: Record<string, number>;
}

/** Gives up on a call after its limit: aborts the call (and so the handler's signal) and answers with a timeout error. */
export function timeout(options: TimeoutOptions): Middleware {
  const watches = new Map<number, Deadlines>();
  return (ctx, next) =>
    new Promise((resolve, reject) => {
      const ms = options.overrides?.[ctx.name] ?? options.ms;
      let deadlines = watches.get(ms);
      if (!deadlines) watches.set(ms, (deadlines = new Deadlines(ms)));
      const call = deadlines.watch(ctx, reject);
      next().then(
        (result) => {
          deadlines.forget(call);
          resolve(result);
        },
        (error: unknown) => {
          deadlines.forget(call);
          reject(error);
        },
      );
    });
}

interface Watched {
  ctx: CallContext;
  due: number;
  reject(error: unknown): void;
}

/**
 * The calls in flight under one limit, watched by one timer rather than a timer each: Node drops a timer list once
 * its last timer is cleared and builds it again for the next, which cost ~2 µs a call when calls finish faster than
 * they come. Calls under one limit fall due in the order they start, so the timer waits for the oldest.
 */
class Deadlines {
  private readonly calls = new Set<Watched>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly ms: number) {}

  watch(ctx: CallContext, reject: (error: unknown) => void): Watched {
    const call = { ctx, due: performance.now() + this.ms, reject };
    this.calls.add(call);
    // Unref'd: a call keeps the process alive by what it waits on, not by its limit.
    this.timer ??= setTimeout(() => this.expire(), this.ms).unref();
    return call;
  }

  forget(call: Watched): void {
    this.calls.delete(call);
  }

  /** Fails every call past its limit, then waits for the oldest left; an idle watch stops until the next call. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    for (const call of this.calls) {
      if (call.due > now) {
        this.timer = setTimeout(() => this.expire(), call.due - now).unref();
        return;
      }
      this.calls.delete(call);
      const error = new TimeoutError(`${call.ctx.kind} ${call.ctx.name} timed out after ${this.ms} ms`);
      call.ctx.abort(error);
      call.reject(error);
    }
  }
}
