import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/testing';
import { openPglite } from '../../src/store/pglite';
import { openPostgres, type Sql } from '../../src/store/sql';

/** The template folder the service uses in this workspace, so tests start PGlite as `npm start` does. */
export const pgliteTemplateDir = join(workspaceRoot(), '.data', 'pglite-templates');

/** A throwaway in-memory PGlite, started from the template. */
export const openMemoryPglite = (): Promise<Sql> => openPglite('memory://', { templateDir: pgliteTemplateDir });

export interface TestDatabase {
  name: string;
  open(): Promise<Sql>;
  /** A connection URL for a process to use (PostgreSQL only); creates the database on first use. */
  url(): Promise<string>;
  drop(): Promise<void>;
}

/** PGlite always; PostgreSQL too when DATABASE_URL is set (CI sets it), each run in a database of its own. */
export function testDatabases(): TestDatabase[] {
  const databases: TestDatabase[] = [
    {
      name: 'pglite',
      open: openMemoryPglite,
      url: () => Promise.reject(new Error('PGlite runs in-process; it has no URL')),
      drop: async () => undefined,
    },
  ];
  const url = process.env.DATABASE_URL;
  if (url) {
    const name = `documents_test_${randomBytes(6).toString('hex')}`;
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

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
