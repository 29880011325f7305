import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Middleware } from './context';
import { RateLimitError } from './errors';

/**
 * Where a limiter keeps its counts, made from its settings: this process's memory by default; a shared store (such
 * as rate-limiter-flexible's RateLimiterPostgres) makes a limit hold across replicas instead of multiplying by them.
 */
export type LimiterStore = (settings: { points: number; duration: number; keyPrefix: string }) => RateLimiterAbstract;

export const memoryStore: LimiterStore = (settings) => new RateLimiterMemory(settings);

export interface RateLimitOptions {
  /** Calls one caller may make in each window. */
  points: number;
  /** The window, in seconds. */
  durationSec: number;
  store?: LimiterStore;
}

/**
 * Limits calls per caller: by the token's subject, and for callers without a token by their client address, so
 * that one anonymous client cannot spend everybody's budget.
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const limiter = (options.store ?? memoryStore)({ points: options.points, duration: options.durationSec, keyPrefix: 'calls' });
  return async (ctx, next) => {
    const key = ctx.caller ? `caller ${ctx.caller.id}` : `address ${ctx.clientAddress ?? 'unknown'}`;
    try {
      await limiter.consume(key);
    } catch (rejection) {
      throw rateLimitError(rejection, `rate limit exceeded for ${key}: ${options.points} calls per ${options.durationSec} s`);
    }
    // Awaited: one microtask turn, where an async function returning the promise itself takes three.
    return await next();
  };
}

/** The client-facing error for a limiter's rejection (saying when to retry); a store's own failure as it is. */
export function rateLimitError(rejection: unknown, what: string): Error {
  if (!(rejection instanceof RateLimiterRes)) return rejection as Error;
  return new RateLimitError(`${what}; retry in ${Math.ceil(rejection.msBeforeNext / 1000)} s`);
}
