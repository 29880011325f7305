import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { TimeoutError } from './errors';
import { timeout } from './timeout';

const ctx = (name = 'slow') => ({ kind: 'tool', name, signal: new AbortController().signal }) as CallContext;

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

  it('aborts the handler signal when the call itself is cancelled', async () => {
    const outer = new AbortController();
    const call = { kind: 'tool', name: 'slow', signal: outer.signal } as CallContext;
    let seen: AbortSignal | undefined;
    const pending = timeout({ ms: 1000 })(call, async () => {
      seen = call.signal;
      outer.abort(new Error('client went away'));
      return 'done';
    });
    expect(await pending).toBe('done');
    expect(seen?.aborted).toBe(true);
    const already = { kind: 'tool', name: 'x', signal: AbortSignal.abort() } as CallContext;
    await timeout({ ms: 1000 })(already, async () => 'ran');
    expect(already.signal.aborted).toBe(true);
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
