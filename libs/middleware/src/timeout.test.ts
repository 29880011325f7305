import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { TimeoutError } from './errors';
import { timeout } from './timeout';

/** A call whose signal only abort() aborts: linking it to the client is withMiddleware's (with-middleware.test.ts). */
function ctx(name = 'slow'): CallContext {
  const controller = new AbortController();
  return { kind: 'tool', name, signal: controller.signal, abort: (reason: unknown) => controller.abort(reason) } as CallContext;
}

describe('timeout', () => {
  it('gives up after the limit with a clear error and aborts the handler signal', async () => {
    const call = ctx();
    let handlerSignal: AbortSignal | undefined;
    const pending = timeout({ ms: 30 })(call, async () => {
      handlerSignal = call.signal;
      await new Promise((resolve) => setTimeout(resolve, 500));
      return 'late';
    });
    await expect(pending).rejects.toThrow(new TimeoutError('tool slow timed out after 30 ms'));
    expect(handlerSignal?.aborted).toBe(true);
  });

  it('gives up on each of several calls no sooner than its own limit, and never on one that finished', async () => {
    const limit = timeout({ ms: 60 });
    const never = () => new Promise<never>(() => undefined);
    const timed = async (call: CallContext) => {
      const started = performance.now();
      await expect(limit(call, never)).rejects.toThrow(TimeoutError);
      return performance.now() - started;
    };
    const first = timed(ctx('first'));
    // The second starts while the first is watched: it falls due later, and is waited for on its own.
    await new Promise((resolve) => setTimeout(resolve, 25));
    const finished = ctx('finished');
    expect(await limit(finished, async () => 'done')).toBe('done');
    const second = timed(ctx('second'));
    // Timers fire late on a busy machine, never early (1 ms: Node's timers count whole milliseconds).
    for (const elapsed of await Promise.all([first, second])) expect(elapsed).toBeGreaterThanOrEqual(59);
    expect(finished.signal.aborted).toBe(false);
  });

  it('returns the result of a call that finishes in time, and honours per-name overrides', async () => {
    expect(await timeout({ ms: 1000 })(ctx(), async () => 'fast')).toBe('fast');
    const pending = timeout({ ms: 10, overrides: { slow: 200 } })(ctx(), async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return 'allowed';
    });
    expect(await pending).toBe('allowed');
  });
});
