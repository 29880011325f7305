import type { Sql } from './sql';

/** Append only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'users and documents',
    sql: `
      create table users (
        id uuid primary key default gen_random_uuid(),
        username text not null unique,
        password_hash text not null,
        created_at timestamptz not null default now()
      );
      create table documents (
        id uuid primary key default gen_random_uuid(),
        seq bigint generated always as identity,
        owner_id uuid not null references users(id) on delete cascade,
        title text not null,
        content text not null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index documents_owner_seq on documents (owner_id, seq);
    `,
  },
  {
    version: 2,
    name: 'rate limit counts',
    // The table rate-limiter-flexible's RateLimiterPostgres reads and writes (its own DDL), shared by replicas.
    sql: `
      create table rate_limits (
        key varchar(255) primary key,
        points integer not null default 0,
        expire bigint
      );
    `,
  },
];

// Any fixed number works; it only has to be the same for every replica of this service.
const MIGRATION_LOCK = 727_001;

/**
 * Applies the migrations not yet recorded, each in the transaction that records it. Idempotent, and safe when
 * several replicas start at once: the advisory lock makes them take turns.
 */
export async function migrate(sql: Sql): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((row) => row.version));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.sql.split(';').map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
