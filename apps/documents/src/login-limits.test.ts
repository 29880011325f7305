import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LoginLimits } from './login-limits';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const options = { freeFailures: 3, windowSec: 900, backoffSec: 2, maxBackoffSec: 8, failuresPerAddress: 10 };

async function fail(limits: LoginLimits, username: string, address: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await limits.failed(username, address);
}

describe('LoginLimits', () => {
  it('lets a few failures through, then backs off, doubling up to the maximum', async () => {
    const limits = new LoginLimits(options);
    await fail(limits, 'alice', '10.0.0.1', 3);
    await limits.check('alice', '10.0.0.1');
    await fail(limits, 'alice', '10.0.0.1', 1);
    await expect(limits.check('alice', '10.0.0.1')).rejects.toThrow('too many failed logins for this account from 10.0.0.1; retry in 2 s');
    vi.advanceTimersByTime(2_001);
    await limits.check('alice', '10.0.0.1');
    await fail(limits, 'alice', '10.0.0.1', 1);
    await expect(limits.check('alice', '10.0.0.1')).rejects.toThrow('retry in 4 s');
    vi.advanceTimersByTime(4_001);
    await fail(limits, 'alice', '10.0.0.1', 2);
    await expect(limits.check('alice', '10.0.0.1')).rejects.toThrow('retry in 8 s');
  });

  it('treats an account that does not exist exactly as one that does, case-insensitively', async () => {
    const limits = new LoginLimits(options);
    await fail(limits, 'Nobody', '10.0.0.1', 4);
    await expect(limits.check('nobody', '10.0.0.1')).rejects.toThrow('too many failed logins for this account from 10.0.0.1; retry in 2 s');
  });

  it('leaves the same account open to another address, and forgets failures after a success', async () => {
    const limits = new LoginLimits(options);
    await fail(limits, 'alice', '10.0.0.1', 4);
    await limits.check('alice', '10.0.0.2');
    await fail(limits, 'bob', '10.0.0.3', 3);
    await limits.succeeded('bob', '10.0.0.3');
    await fail(limits, 'bob', '10.0.0.3', 3);
    await limits.check('bob', '10.0.0.3');
  });

  it('caps failures per address across accounts until the window ends', async () => {
    const limits = new LoginLimits(options);
    for (let account = 0; account < 11; account++) await fail(limits, `user${account}`, '10.0.0.9', 1);
    await expect(limits.check('someone-else', '10.0.0.9')).rejects.toThrow('too many failed logins from 10.0.0.9; retry in 900 s');
    await limits.check('someone-else', '10.0.0.8');
    vi.advanceTimersByTime(900_001);
    await limits.check('someone-else', '10.0.0.9');
  });
});
