import type { Middleware } from './context';
import { RateLimitError } from './errors';

export interface RateLimitOptions {
  /** Calls a caller may make in a burst. */
  capacity: number;
  /** Calls per second the bucket refills with. */
  refillPerSecond: number;
  /** Callers tracked at once; the least recently seen is forgotten beyond it. */
  maxCallers?: number;
  now?: () => number;
}

/** A token bucket per caller (callers without a token share one bucket, `anonymous`). */
export function rateLimit(options: RateLimitOptions): Middleware {
  const now = options.now ?? Date.now;
  const maxCallers = options.maxCallers ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (ctx, next) => {
    const key = ctx.caller?.id ?? 'anonymous';
    const time = now();
    const bucket = buckets.get(key) ?? { tokens: options.capacity, at: time };
    bucket.tokens = Math.min(options.capacity, bucket.tokens + ((time - bucket.at) / 1000) * options.refillPerSecond);
    bucket.at = time;
    buckets.delete(key);
    buckets.set(key, bucket);
    if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value!);
    if (bucket.tokens < 1) {
      const retryMs = Math.ceil(((1 - bucket.tokens) / options.refillPerSecond) * 1000);
      throw new RateLimitError(
        `rate limit exceeded for ${key}: ${options.capacity} calls at once, ${options.refillPerSecond} per second after that; retry in ${retryMs} ms`,
      );
    }
    bucket.tokens -= 1;
    return next();
  };
}
