import { memoryStore, type LimiterStore } from '@mcp-fleet/middleware';
import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';

/**
 * Limit counts in PostgreSQL's rate_limits table (migration 2), so that every replica sees the same counts; while
 * the database is unreachable this process's memory stands in, so calls are still limited rather than refused.
 */
export const postgresLimitStore =
  (pool: pg.Pool): LimiterStore =>
  (settings) =>
    new RateLimiterPostgres({
      ...settings,
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      clearExpiredByTimeout: true,
      insuranceLimiter: memoryStore(settings),
    });
