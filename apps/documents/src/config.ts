import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '@mcp-fleet/runtime';
import * as z from 'zod';

export const documentsConfigSchema = z.object({
  /** postgres://… to use PostgreSQL; without it the service runs on embedded PGlite in dataDir. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL').optional(),
  /** PGlite's folder (relative paths are from the workspace root), or memory:// to keep nothing. */
  dataDir: z.string().min(1).default('.data/documents'),
  /** Where PGlite keeps an initialised, migrated cluster to start fresh data folders from (relative like dataDir). */
  pgliteTemplateDir: z.string().min(1).default('.data/pglite-templates'),
  auth: z
    .strictObject({
      /** HS256 secret the service signs and checks its own tokens with; only ever from AUTH__SECRET. */
      secret: z.string().min(32).optional(),
      jwksUrl: z.url().optional(),
      issuer: z.string().min(1).default('mcp-fleet/documents'),
      audience: z.string().min(1).default('documents'),
      tokenTtlSec: z.number().int().positive().default(3600),
      clockToleranceSec: z.number().int().min(0).default(30),
    })
    .prefault({}),
  /** Users created at start-up when missing: for development and test only. */
  seedUsers: z.array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) })).default([]),
  /** Calls per caller (token subject, or client address without a token) in each window. */
  rateLimit: z.strictObject({ points: z.number().int().positive().default(120), durationSec: z.number().int().positive().default(60) }).prefault({}),
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
  const problems: string[] = [];
  if (!config.auth.secret && !config.auth.jwksUrl) {
    problems.push('auth.secret is required in production (set AUTH__SECRET to at least 32 random characters), or set auth.jwksUrl');
  }
  if (!config.databaseUrl) problems.push('databaseUrl is required in production (set DATABASE_URL): PGlite keeps data inside one pod, on a read-only root filesystem at that');
  if (config.seedUsers.length > 0) problems.push('seedUsers must be empty in production: seeded passwords are for development and test only');
  return problems;
}

/** memory:// and absolute paths as they are (for dataDir and pgliteTemplateDir); a relative path from the workspace root, or the working folder outside one. */
export function resolveDataDir(dataDir: string, from: string): string {
  if (dataDir === 'memory://' || isAbsolute(dataDir)) return dataDir;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return join(dir, dataDir);
    if (dirname(dir) === dir) return resolve(dataDir);
  }
}
