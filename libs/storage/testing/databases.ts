import { DEFAULT_TEMPLATE_DIR, resolveDataDir } from '../src/database';
import type { Schema } from '../src/migrations';
import { openPglite, prepareTemplate } from '../src/pglite';
import type { Sql } from '../src/sql';
import { postgresTestDatabase } from './postgres';

/** The template folder apps use in this workspace, so tests start PGlite as `npm start` does. */
export const workspaceTemplateDir = (): string => resolveDataDir(DEFAULT_TEMPLATE_DIR, process.cwd());

/** A throwaway in-memory PGlite with the schema, started from the workspace's template. */
export const openTestPglite = (schema: Schema): Promise<Sql> => openPglite('memory://', { templateDir: workspaceTemplateDir(), schema });

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Sql>;
  /** A connection URL for a process to use (PostgreSQL only); creates the database on first use. */
  url(): Promise<string>;
  drop(): Promise<void>;
}

/**
 * The databases an app's storage tests run on: an in-memory PGlite from the template always, and PostgreSQL too
 * when DATABASE_URL is set (CI sets it), each run in a database of its own, dropped by `drop()`. With `empty`,
 * PGlite starts with no migration applied, as PostgreSQL does, for a test of a migration on data already there.
 */
export function testDatabases(schema: Schema, { empty = false } = {}): TestDatabase[] {
  const databases: TestDatabase[] = [
    {
      name: 'pglite',
      open: () => (empty ? openPglite('memory://', { schema }) : openTestPglite(schema)),
      url: () => Promise.reject(new Error('PGlite runs in-process; it has no URL')),
      drop: async () => undefined,
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) databases.push(postgresTestDatabase(url, schema));
  return databases;
}

/** Vitest's globalSetup for an app with storage: makes the template once, before test files race to make it. */
export const prepareTestTemplate = (schema: Schema): Promise<string> => prepareTemplate(workspaceTemplateDir(), schema);
