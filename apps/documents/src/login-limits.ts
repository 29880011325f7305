import { memoryStore, rateLimitError, type LimiterStore } from '@mcp-fleet/middleware';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LoginLimitOptions {
  /** Wrong passwords one address may try for one account before the back-off starts. */
  freeFailures: number;
  /** How long failures are remembered, in seconds. */
  windowSec: number;
  /** The first back-off after the free failures, doubled on each further failure up to maxBackoffSec. */
  backoffSec: number;
  maxBackoffSec: number;
  /** Failed logins one address may make across all accounts in a window; then it is refused until the window ends. */
  failuresPerAddress: number;
}

/**
 * Slows password guessing: per account and address, a growing back-off after a few failures; per address, a cap
 * on failures across all accounts. Counted by the account name as typed, so a name that does not exist is
 * answered exactly as one that does; another address can still log in to an account under attack.
 */
export class LoginLimits {
  private readonly failures: RateLimiterAbstract;
  private readonly backoff: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(
    private readonly options: LoginLimitOptions,
    store: LimiterStore = memoryStore,
  ) {
    this.failures = store({ points: Number.MAX_SAFE_INTEGER, duration: options.windowSec, keyPrefix: 'login-failures' });
    this.backoff = store({ points: 1, duration: options.maxBackoffSec, keyPrefix: 'login-backoff' });
    this.perAddress = store({ points: options.failuresPerAddress, duration: options.windowSec, keyPrefix: 'login-address' });
  }

  /** Refuses (a RateLimitError saying when to retry) a login this address may not try now. */
  async check(username: string, address: string): Promise<void> {
    const [backoff, perAddress] = await Promise.all([this.backoff.get(pair(username, address)), this.perAddress.get(address)]);
    // Over a limiter's points means refused: counted past the cap, or blocked (block() sets points + 1).
    if (perAddress && perAddress.consumedPoints > this.perAddress.points)
      throw rateLimitError(perAddress, `too many failed logins from ${address}`);
    if (backoff && backoff.consumedPoints > this.backoff.points)
      throw rateLimitError(backoff, `too many failed logins for this account from ${address}`);
  }

  async failed(username: string, address: string): Promise<void> {
    const key = pair(username, address);
    const [counted] = await Promise.all([this.failures.penalty(key), this.perAddress.penalty(address)]);
    const beyond = counted.consumedPoints - this.options.freeFailures;
    if (beyond > 0) await this.backoff.block(key, Math.min(this.options.maxBackoffSec, this.options.backoffSec * 2 ** (beyond - 1)));
  }

  async succeeded(username: string, address: string): Promise<void> {
    const key = pair(username, address);
    await Promise.all([this.failures.delete(key), this.backoff.delete(key)]);
  }
}

const pair = (username: string, address: string) => `${address} ${username.toLowerCase()}`;
