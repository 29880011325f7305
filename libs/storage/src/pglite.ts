import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, openAsBlob, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { migrate, MIGRATIONS_TABLE, type Schema } from './migrations';
import { traced, type Sql } from './sql';

/**
 * One embedded user needs little: PostgreSQL's default 128 MB of shared buffers is most of an idle PGlite's
 * memory (WebAssembly memory never shrinks), and its 16 MB WAL segments are most of a new cluster's files.
 */
const SETTINGS = {
  postgresqlconf: 'shared_buffers=16MB\nwal_buffers=1MB\nmin_wal_size=2MB\nmax_wal_size=16MB',
  initDbStartParams: ['--wal-segsize=1'],
} satisfies PGliteOptions;

export interface PgliteOptions {
  /**
   * Where initialised, migrated clusters are kept as tarballs to start from, instead of running initdb (seconds,
   * and hundreds of MB) on every fresh start. Without it every fresh start runs initdb.
   */
  templateDir?: string;
  /** The schema the template holds; a cluster started without a template is not migrated here (the repository migrates). */
  schema: Schema;
}

/** PGlite: embedded PostgreSQL in WebAssembly. `memory://` keeps nothing; a folder keeps data across restarts. */
export async function openPglite(dataDir: string, options: PgliteOptions): Promise<Sql> {
  const folder = dataDir === 'memory://' ? undefined : dataDir;
  // PGlite makes only the last folder; on a fresh clone .data/ does not exist yet.
  if (folder) mkdirSync(folder, { recursive: true });
  const fresh = !folder || !existsSync(join(folder, 'PG_VERSION'));
  const db =
    fresh && options.templateDir
      ? await startFromTemplate(options.templateDir, options.schema, folder)
      : await PGlite.create(folder, SETTINGS);
  return pgliteSql(db);
}

/** The template's file: its name changes with PGlite's version, the settings, the migrations and their table, so a stale one is never used. */
export function templateFile(templateDir: string, schema: Schema): string {
  const key = createHash('sha256')
    .update(JSON.stringify([pgliteVersion(), SETTINGS, MIGRATIONS_TABLE, schema.migrations]))
    .digest('hex')
    .slice(0, 16);
  return join(templateDir, `${schema.service}-${key}.tar`);
}

/** Makes the template when it is missing (atomically: a half-written one is never seen) and returns its file. */
export async function prepareTemplate(templateDir: string, schema: Schema): Promise<string> {
  const file = templateFile(templateDir, schema);
  if (existsSync(file)) return file;
  const db = await PGlite.create(SETTINGS);
  await migrate(pgliteSql(db), schema);
  // Recycles the WAL written so far, so the template carries only what a new cluster needs.
  await db.exec('checkpoint');
  const dump = await db.dumpDataDir('none');
  await db.close();
  mkdirSync(templateDir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, file);
  // This service's other templates (older keys) go; another service's, whose name may start the same, stay.
  const prefix = `${schema.service}-`;
  for (const name of readdirSync(templateDir)) {
    const ours = name.startsWith(prefix) && /^[0-9a-f]{16}\.tar$/.test(name.slice(prefix.length));
    if (ours && name !== basename(file)) rmSync(join(templateDir, name), { force: true });
  }
  return file;
}

async function startFromTemplate(templateDir: string, schema: Schema, dataDir: string | undefined): Promise<PGlite> {
  const start = async () =>
    PGlite.create(dataDir, { ...SETTINGS, loadDataDir: await openAsBlob(await prepareTemplate(templateDir, schema)) });
  try {
    return await start();
  } catch {
    // A template that does not load is made again, once, into an emptied data folder.
    rmSync(templateFile(templateDir, schema), { force: true });
    if (dataDir) for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name), { recursive: true, force: true });
    return start();
  }
}

function pgliteSql(db: PGlite): Sql {
  return {
    backend: 'pglite',
    query: <Row>(text: string, params?: unknown[]) => traced(text, async () => (await db.query<Row>(text, params)).rows),
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({ query: <Row>(text: string, params?: unknown[]) => traced(text, async () => (await tx.query<Row>(text, params)).rows) }),
      ),
    close: () => db.close(),
  };
}

function pgliteVersion(): string {
  // The package exports no package.json; it sits above the resolved entry point.
  for (let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}
