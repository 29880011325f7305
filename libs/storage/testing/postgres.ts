import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Schema } from '../src/migrations';
import { openPostgres } from '../src/sql';
import type { TestDatabase } from './databases';

/**
 * A PostgreSQL database of its own for one test run, on the server DATABASE_URL names: created on first use,
 * dropped by `drop()`. Apart from databases.ts so that, without a PostgreSQL, the coverage gate can leave it out.
 */
export function postgresTestDatabase(url: string, schema: Schema): TestDatabase {
  const name = `${schema.service.replace(/\W/g, '_')}_test_${randomBytes(6).toString('hex')}`;
  const scoped = new URL(url);
  scoped.pathname = `/${name}`;
  let created: Promise<void> | undefined;
  const create = () => (created ??= admin(url, `create database ${name}`));
  return {
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
      if (!created) return;
      try {
        // FORCE ends the sessions a test left open.
        await admin(url, `drop database if exists ${name} with (force)`);
      } catch (error) {
        // It may not end an autovacuum worker analysing the tables a test filled: that takes superuser or
        // pg_signal_backend (42501). A plain DROP has the worker stop by itself, waiting up to 5 s for it.
        if ((error as { code?: string }).code !== '42501') throw error;
        await admin(url, `drop database if exists ${name}`);
      }
    },
  };
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
