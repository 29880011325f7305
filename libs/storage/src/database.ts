import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type pg from 'pg';
import * as z from 'zod';
import type { Schema } from './migrations';
import { openPglite, prepareTemplate } from './pglite';
import { openPostgres, type Sql } from './sql';

/** Where the workspace keeps PGlite templates, shared by its services (each template is named after its service). */
export const DEFAULT_TEMPLATE_DIR = '.data/pglite-templates';

/** The storage keys of an app's config schema: spread into its z.object({ … }). */
export const storageConfigShape = (service: string) => ({
  /** postgres://… to use PostgreSQL; without it the service runs on embedded PGlite in dataDir. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// or postgresql:// URL')
    .optional(),
  /** PGlite's folder (relative paths are from the workspace root), or memory:// to keep nothing. */
  dataDir: z.string().min(1).default(`.data/${service}`),
  /** Where PGlite keeps an initialised, migrated cluster to start fresh data folders from (relative like dataDir). */
  pgliteTemplateDir: z.string().min(1).default(DEFAULT_TEMPLATE_DIR),
});

export type StorageConfig = { databaseUrl?: string; dataDir: string; pgliteTemplateDir: string };

/** What production must have: PostgreSQL, because PGlite keeps data inside one pod (on a read-only root filesystem at that). */
export function storageProductionProblems(config: StorageConfig, environment: string): string[] {
  if (environment !== 'production' || config.databaseUrl) return [];
  return [
    'databaseUrl is required in production (set DATABASE_URL): PGlite keeps data inside one pod, on a read-only root filesystem at that',
  ];
}

/** What a Lambda function needs: PostgreSQL, because each function instance has a folder of its own, lost when it is recycled. */
export function storageFunctionProblems(config: StorageConfig): string[] {
  if (config.databaseUrl) return [];
  return [
    `databaseUrl is required in a function (set DATABASE_URL, from a secret): PGlite on dataDir ${JSON.stringify(config.dataDir)} would keep data in one function instance's own folder, lost when the instance is recycled and never seen by the others`,
  ];
}

/** memory:// and absolute paths as they are; a relative path from the workspace root, or the working folder outside one. */
export function resolveDataDir(dataDir: string, from: string): string {
  if (dataDir === 'memory://' || isAbsolute(dataDir)) return dataDir;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return join(dir, dataDir);
    if (dirname(dir) === dir) return resolve(dataDir);
  }
}

export interface DatabaseOptions {
  schema: Schema;
  /** Where relative folders are resolved from: the app's dist/ folder, `fileURLToPath(new URL('.', import.meta.url))`. */
  from: string;
}

/** PostgreSQL when databaseUrl is set (with its pool, for stores that share it), else PGlite started from the template. */
export async function openDatabase(config: StorageConfig, options: DatabaseOptions): Promise<Sql & { pool?: pg.Pool }> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite(resolveDataDir(config.dataDir, options.from), {
    templateDir: resolveDataDir(config.pgliteTemplateDir, options.from),
    schema: options.schema,
  });
}

/**
 * What `main.js --prepare` does for an app with storage: make PGlite's template, so pods and fresh clones start
 * from it; undefined, making nothing, in production, which runs on PostgreSQL only (the image is built so, and
 * carries no template: ~30 MB no pod would read).
 */
export async function prepareDatabase(
  config: StorageConfig & { environment: string },
  options: DatabaseOptions,
): Promise<string | undefined> {
  if (config.environment === 'production') return undefined;
  return prepareTemplate(resolveDataDir(config.pgliteTemplateDir, options.from), options.schema);
}
