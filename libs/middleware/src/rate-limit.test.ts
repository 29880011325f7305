import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { rateLimit } from './rate-limit';

describe('rateLimit', () => {
  it('allows a burst up to capacity, refills over time, and says when to retry', async () => {
    let now = 0;
    const limit = rateLimit({ capacity: 2, refillPerSecond: 4, now: () => now });
    const call = (id?: string) => limit({ caller: id ? { id, scopes: [], claims: {} } : undefined } as CallContext, async () => 'ok');
    expect(await call('a')).toBe('ok');
    expect(await call('a')).toBe('ok');
    await expect(call('a')).rejects.toThrow('rate limit exceeded for a: 2 calls at once, 4 per second after that; retry in 250 ms');
    expect(await call('b')).toBe('ok');
    now = 250;
    expect(await call('a')).toBe('ok');
    await expect(call('a')).rejects.toThrow('retry in 250 ms');
    expect(await call()).toBe('ok');
  });

  it('forgets the least recently seen caller beyond maxCallers', async () => {
    let now = 0;
    const limit = rateLimit({ capacity: 1, refillPerSecond: 0.001, maxCallers: 1, now: () => now });
    const call = (id: string) => limit({ caller: { id, scopes: [], claims: {} } } as unknown as CallContext, async () => 'ok');
    await call('a');
    await call('b');
    now = 1;
    expect(await call('a')).toBe('ok');
  });
});
