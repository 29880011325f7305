import type { Sql } from './sql';

/** One schema change. Append only: a released migration is never edited, a change is a new version. */
export interface Migration {
  version: number;
  name: string;
  /** Statements separated by semicolons. */
  sql: string;
}

/** Where applied migrations are recorded; part of a PGlite template's key, so a template made with another layout is not used. */
export const MIGRATIONS_TABLE =
  'create table if not exists schema_migrations (service text not null, version integer not null, name text not null, applied_at timestamptz not null default now(), primary key (service, version))';

/** A service's schema: its name (which keeps its migrations apart from other services' in one database) and its migrations. */
export interface Schema {
  service: string;
  migrations: Migration[];
}

// Any fixed number works; with the service's name it keys the lock, so the replicas of one service take turns.
const MIGRATION_LOCK = 727_001;

/**
 * Applies the service's migrations not yet recorded, each in the transaction that records it. Idempotent, safe
 * when several replicas start at once (an advisory lock makes them take turns), and kept per service, so that
 * services sharing one database never take each other's versions for their own.
 */
export async function migrate(sql: Sql, schema: Schema): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema.service]);
    await tx.query(MIGRATIONS_TABLE);
    const done = new Set(
      (await tx.query<{ version: number }>('select version from schema_migrations where service = $1', [schema.service])).map(
        (row) => row.version,
      ),
    );
    const applied: number[] = [];
    for (const migration of schema.migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.sql
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.query(statement);
      await tx.query('insert into schema_migrations (service, version, name) values ($1, $2, $3)', [
        schema.service,
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
