import type { Registry } from 'prom-client';
import { auth } from './auth';
import { callMetrics } from './call-metrics';
import type { LogSink, Middleware } from './context';
import { errors } from './errors';
import { rateLimit, type RateLimitOptions } from './rate-limit';
import { requestLogging } from './request-logging';
import { timeout, type TimeoutOptions } from './timeout';

export interface StandardChainOptions {
  logger: LogSink;
  /** The service's metrics registry (the runtime's, so that the calls show on /metrics). */
  registry: Registry;
  /** Enforce tokens and scopes (the runtime rejects invalid tokens with 401 before this). */
  auth?: boolean;
  rateLimit?: RateLimitOptions;
  timeout?: TimeoutOptions;
  logArguments?: boolean;
}

/**
 * The chain every service uses, in DESIGN.md's order: logging -> metrics -> errors -> auth -> rate limit ->
 * timeout -> handler. Logging and metrics sit outside errors so they see the final outcome.
 */
export function standardChain(options: StandardChainOptions): Middleware[] {
  return [
    requestLogging({ logger: options.logger, logArguments: options.logArguments }),
    callMetrics({ registry: options.registry }),
    errors({ logger: options.logger }),
    ...(options.auth ? [auth()] : []),
    ...(options.rateLimit ? [rateLimit(options.rateLimit)] : []),
    ...(options.timeout ? [timeout(options.timeout)] : []),
  ];
}
