import { RateLimiterMemory } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallContext } from './context';
import { memoryStore, rateLimit, rateLimitConfigSchema } from './rate-limit';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const call = (limit: ReturnType<typeof rateLimit>, from: { caller?: string; address?: string }) =>
  limit(
    { caller: from.caller ? { id: from.caller, scopes: [], claims: {} } : undefined, clientAddress: from.address } as CallContext,
    async () => 'ok',
  );

describe('rateLimit', () => {
  it('allows `points` calls per window to each caller, says when to retry, and starts afresh in the next window', async () => {
    const limit = rateLimit({ points: 2, durationSec: 10 });
    expect(await call(limit, { caller: 'a' })).toBe('ok');
    expect(await call(limit, { caller: 'a' })).toBe('ok');
    await expect(call(limit, { caller: 'a' })).rejects.toThrow('rate limit exceeded for caller a: 2 calls per 10 s; retry in 10 s');
    expect(await call(limit, { caller: 'b' })).toBe('ok');
    vi.advanceTimersByTime(10_001);
    expect(await call(limit, { caller: 'a' })).toBe('ok');
  });

  it('limits callers without a token by client address, each address on its own', async () => {
    const limit = rateLimit({ points: 1, durationSec: 60 });
    expect(await call(limit, { address: '10.0.0.1' })).toBe('ok');
    await expect(call(limit, { address: '10.0.0.1' })).rejects.toThrow('rate limit exceeded for address 10.0.0.1');
    expect(await call(limit, { address: '10.0.0.2' })).toBe('ok');
  });

  it('counts in the store it is given, and lets a store failure through as it is', async () => {
    const shared = new RateLimiterMemory({ points: 1, duration: 60 });
    const store = vi.fn(() => shared);
    const [one, two] = [rateLimit({ points: 1, durationSec: 60, store }), rateLimit({ points: 1, durationSec: 60, store })];
    expect(store).toHaveBeenCalledWith({ points: 1, duration: 60, keyPrefix: 'calls' });
    expect(await call(one, { caller: 'a' })).toBe('ok');
    // The second replica sees the first one's call.
    await expect(call(two, { caller: 'a' })).rejects.toThrow('rate limit exceeded');
    const broken = rateLimit({
      points: 1,
      durationSec: 60,
      store: () => ({ consume: () => Promise.reject(new Error('store down')) }) as never,
    });
    await expect(call(broken, { caller: 'a' })).rejects.toThrow('store down');
  });

  it('keeps at most maxKeys keys in memory, forgetting the oldest first (10,000 distinct addresses sent)', async () => {
    const store = memoryStore({ points: 1, duration: 60, keyPrefix: 'calls' }, 1_000);
    const limit = rateLimit({ points: 1, durationSec: 60, store: () => store });
    for (let i = 0; i < 10_000; i++) expect(await call(limit, { address: `198.51.${i >> 8}.${i & 255}` })).toBe('ok');
    // What the wrapper bounds: rate-limiter-flexible's own map of keys.
    expect((store as unknown as { _memoryStorage: { _storage: Map<string, unknown> } })._memoryStorage._storage.size).toBe(1_000);
    await expect(call(limit, { address: '198.51.39.15' })).rejects.toThrow('rate limit exceeded');
    expect(await call(limit, { address: '198.51.0.0' })).toBe('ok');
  });

  it("has the fleet's default of 120 calls a minute, and refuses a limit that is no number of calls", () => {
    expect(rateLimitConfigSchema.parse(undefined)).toEqual({ points: 120, durationSec: 60 });
    expect(rateLimitConfigSchema.safeParse({ points: 0 }).success).toBe(false);
    expect(rateLimitConfigSchema.safeParse({ points: 1.5 }).success).toBe(false);
  });
});
