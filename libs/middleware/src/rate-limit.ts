import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { inChildSpan } from './spans';
import * as z from 'zod';
import type { Middleware } from './context';
import { RateLimitError } from './errors';

/** The `rateLimit` key of a service's config: the fleet's default limit on calls per caller, 120 a minute. */
export const rateLimitConfigSchema = z
  .strictObject({
    /** Calls one caller (token subject, or client address without a token) may make in each window. */
    points: z.number().int().positive().default(120),
    durationSec: z.number().int().positive().max(86_400).default(60),
  })
  .prefault({});

type LimiterSettings = { points: number; duration: number; keyPrefix: string };

/**
 * Where a limiter keeps its counts, made from its settings: this process's memory by default; a shared store (such
 * as rate-limiter-flexible's RateLimiterPostgres) makes a limit hold across replicas instead of multiplying by them.
 */
export type LimiterStore = (settings: LimiterSettings) => RateLimiterAbstract;

/**
 * The keys a limiter keeps in memory at most. Keys are callers and client addresses, which clients choose; past the
 * bound the oldest is forgotten (that caller's count starts afresh), so a flood of new keys costs no more memory.
 */
export const MAX_LIMITER_KEYS = 10_000;

/** rate-limiter-flexible's in-memory storage, which keeps a key (and its timer) until its window ends, unbounded. */
interface MemoryStorage {
  _storage: Map<string, unknown>;
  set(key: string, value: number, durationSec: number): unknown;
  delete(key: string): boolean;
}

/** Counts in this process's memory, for at most `maxKeys` keys. */
export function memoryStore(settings: LimiterSettings, maxKeys = MAX_LIMITER_KEYS): RateLimiterMemory {
  const limiter = new RateLimiterMemory(settings);
  // Every new key reaches the storage through set() (incrby of a missing or expired key calls it too).
  const storage = (limiter as unknown as { _memoryStorage: MemoryStorage })._memoryStorage;
  const set = storage.set.bind(storage);
  storage.set = (key, value, durationSec) => {
    if (storage._storage.size >= maxKeys && !storage._storage.has(key)) storage.delete(storage._storage.keys().next().value!);
    return set(key, value, durationSec);
  };
  return limiter;
}

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
      await inChildSpan('rate limit', () => limiter.consume(key));
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
