import { authConfigSchema, authProductionProblems, rateLimitConfigSchema } from '@mcp-fleet/middleware';
import type { Config } from '@mcp-fleet/runtime';
import { storageConfigShape, storageProductionProblems } from '@mcp-fleet/storage';
import * as z from 'zod';

export const documentsConfigSchema = z.object({
  ...storageConfigShape('documents'),
  auth: authConfigSchema('documents'),
  /** Users created at start-up when missing: for development and test only. */
  seedUsers: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) })).default([]),
  rateLimit: rateLimitConfigSchema,
  /** Failed logins: per account and address a growing back-off, per address a cap (see LoginLimits). */
  loginLimits: z
    .strictObject({
      freeFailures: z.number().int().positive().default(5),
      windowSec: z.number().int().positive().default(900),
      backoffSec: z.number().int().positive().default(2),
      maxBackoffSec: z.number().int().positive().default(900),
      failuresPerAddress: z.number().int().positive().default(50),
    })
    .prefault({}),
  callTimeoutMs: z.number().int().positive().default(10_000),
});

export type DocumentsConfig = Config<typeof documentsConfigSchema.shape>;

/** Rules that need more than one key: what production must and must not have. */
export function productionProblems(config: DocumentsConfig): string[] {
  if (config.environment !== 'production') return [];
  const problems = [...authProductionProblems(config.auth, config.environment), ...storageProductionProblems(config, config.environment)];
  if (config.seedUsers.length > 0)
    problems.push('seedUsers must be empty in production: seeded passwords are for development and test only');
  return problems;
}
