import type { Sql } from './sql';

/** One schema change. Append only: a released migration is never edited, a change is a new version. */
export interface Migration {
  version: number;
  name: string;
  /** Statements separated by semicolons. */
  sql: string;
}

// Any fixed number works; it only has to be the same for every replica of a service.
const MIGRATION_LOCK = 727_001;

/**
 * Applies the migrations not yet recorded, each in the transaction that records it. Idempotent, and safe when
 * several replicas start at once: the advisory lock makes them take turns.
 */
export async function migrate(sql: Sql, migrations: Migration[]): Promise<number[]> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('create table if not exists schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())');
    const done = new Set((await tx.query<{ version: number }>('select version from schema_migrations')).map((row) => row.version));
    const applied: number[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      for (const statement of migration.sql.split(';').map((s) => s.trim()).filter(Boolean)) await tx.query(statement);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.version);
    }
    return applied;
  });
}
