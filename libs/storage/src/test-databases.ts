import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_TEMPLATE_DIR, resolveDataDir } from './database';
import type { Schema } from './migrations';
import { openPglite, prepareTemplate } from './pglite';
import { openPostgres, type Sql } from './sql';

/** The template folder apps use in this workspace, so tests start PGlite as `npm start` does. */
export const workspaceTemplateDir = (): string => resolveDataDir(DEFAULT_TEMPLATE_DIR, process.cwd());

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  open(): Promise<Sql>;
  /** A connection URL for a process to use (PostgreSQL only); creates the database on first use. */
  url(): Promise<string>;
  drop(): Promise<void>;
}

/**
 * The databases an app's storage tests run on: an in-memory PGlite from the template always, and PostgreSQL too
 * when DATABASE_URL is set (CI sets it), each run in a database of its own, dropped by `drop()`.
 */
export function testDatabases(schema: Schema): TestDatabase[] {
  const databases: TestDatabase[] = [
    {
      name: 'pglite',
      open: () => openPglite('memory://', { templateDir: workspaceTemplateDir(), schema }),
      url: () => Promise.reject(new Error('PGlite runs in-process; it has no URL')),
      drop: async () => undefined,
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `${schema.service.replace(/\W/g, '_')}_test_${randomBytes(6).toString('hex')}`;
    const scoped = new URL(url);
    scoped.pathname = `/${name}`;
    let created: Promise<void> | undefined;
    const create = () => (created ??= admin(url, `create database ${name}`));
    databases.push({
      name: 'postgres',
      async open() {
        await create();
        return openPostgres(scoped.href);
      },
      async url() {
        await create();
        return scoped.href;
      },
      async drop() {
        if (created) await admin(url, `drop database if exists ${name} with (force)`);
      },
    });
  }
  return databases;
}

/** Vitest's globalSetup for an app with storage: makes the template once, before test files race to make it. */
export const prepareTestTemplate = (schema: Schema): Promise<string> => prepareTemplate(workspaceTemplateDir(), schema);

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
