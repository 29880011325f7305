import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, prepareTemplate, templateFile } from './pglite';
import { workspaceTemplateDir } from '../testing/databases';

const root = mkdtempSync(join(tmpdir(), 'pglite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const templateDir = workspaceTemplateDir();
const MIGRATIONS = [
  { version: 1, name: 'notes', sql: 'create table notes (id serial primary key, body text not null)' },
  { version: 2, name: 'tags', sql: 'create table tags (note integer references notes(id), tag text); create index tags_tag on tags (tag)' },
];
const schema = { service: 'storage-test', migrations: MIGRATIONS };
const migrated = (sql: Awaited<ReturnType<typeof openPglite>>) =>
  sql.query<{ version: number }>("select version from schema_migrations where service = 'storage-test' order by version");

describe('openPglite', () => {
  it('creates a data folder whose parents do not exist yet from the template, migrated, and keeps data across reopening', async () => {
    const dataDir = join(root, 'kept', '.data', 'documents');
    const first = await openPglite(dataDir, { templateDir, schema });
    expect(await migrated(first)).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    await first.query('create table kept (n integer)');
    await first.query('insert into kept values (42)');
    await first.close();
    const second = await openPglite(dataDir, { templateDir, schema });
    expect(await second.query<{ n: number }>('select n from kept')).toEqual([{ n: 42 }]);
    await second.close();
  });

  it('starts memory:// from the template too, with small shared buffers', async () => {
    const sql = await openPglite('memory://', { templateDir, schema });
    expect(await migrated(sql)).toHaveLength(MIGRATIONS.length);
    expect(await sql.query("select current_setting('shared_buffers') as value")).toEqual([{ value: '16MB' }]);
    await sql.close();
  });

  it('rolls back a transaction that throws', async () => {
    const sql = await openPglite('memory://', { templateDir, schema });
    await sql.query('create table t (n integer)');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('insert into t values (1)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await sql.query('select * from t')).toEqual([]);
    await sql.close();
  });
});

describe('the PGlite template', () => {
  it('is made again when it does not load (never half-used), atomically, replacing its templates of other versions only', async () => {
    const dir = join(root, 'made');
    const stale = join(dir, 'storage-test-0000000000000000.tar');
    // Another service whose name starts with this one's keeps its template.
    const otherService = 'storage-test-archive-1111111111111111.tar';
    mkdirSync(dir);
    writeFileSync(stale, 'from an older PGlite');
    writeFileSync(join(dir, otherService), 'another service');
    writeFileSync(templateFile(dir, schema), 'not a tarball');
    const sql = await openPglite(join(root, 'made-data'), { templateDir: dir, schema });
    expect(await migrated(sql)).toHaveLength(MIGRATIONS.length);
    await sql.close();
    expect(readdirSync(dir).sort()).toEqual([basename(templateFile(dir, schema)), otherService].sort());
    // Present now, so not made again.
    expect(await prepareTemplate(dir, schema)).toBe(templateFile(dir, schema));
  });
});
