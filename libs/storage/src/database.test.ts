import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { openDatabase, prepareDatabase, resolveDataDir, storageConfigShape, storageProductionProblems } from './database';
import { templateFile } from './pglite';

const notes = {
  service: 'storage-test',
  migrations: [{ version: 1, name: 'notes', sql: 'create table notes (id serial primary key, body text not null)' }],
};

describe('resolveDataDir', () => {
  it('keeps memory:// and absolute paths, and puts relative ones under the workspace root', () => {
    expect(resolveDataDir('memory://', '/anywhere')).toBe('memory://');
    expect(resolveDataDir('/var/lib/app', '/anywhere')).toBe('/var/lib/app');
    const workspace = mkdtempSync(join(tmpdir(), 'ws-'));
    writeFileSync(join(workspace, 'nx.json'), '{}');
    mkdirSync(join(workspace, 'apps', 'app', 'dist'), { recursive: true });
    expect(resolveDataDir('.data/app', join(workspace, 'apps', 'app', 'dist'))).toBe(join(workspace, '.data/app'));
  });

  it('falls back to the working folder outside a workspace (as in the container image)', () => {
    expect(resolveDataDir('data', mkdtempSync(join(tmpdir(), 'no-ws-')))).toBe(join(process.cwd(), 'data'));
  });
});

describe('storageConfigShape', () => {
  it('defaults to PGlite in .data/<service>, and refuses a database URL that is not postgres://', () => {
    const schema = z.object(storageConfigShape('notes'));
    expect(schema.parse({})).toEqual({ dataDir: '.data/notes', pgliteTemplateDir: '.data/pglite-templates' });
    expect(() => schema.parse({ databaseUrl: 'mysql://db/x' })).toThrow('expected a postgres:// or postgresql:// URL');
  });
});

describe('storageProductionProblems', () => {
  it('requires PostgreSQL in production only', () => {
    const pglite = { dataDir: '.data/x', pgliteTemplateDir: '.data/t' };
    expect(storageProductionProblems(pglite, 'production')).toEqual([
      'databaseUrl is required in production (set DATABASE_URL): PGlite keeps data inside one pod, on a read-only root filesystem at that',
    ]);
    expect(storageProductionProblems(pglite, 'development')).toEqual([]);
    expect(storageProductionProblems({ ...pglite, databaseUrl: 'postgres://db/x' }, 'production')).toEqual([]);
  });
});

describe('openDatabase', () => {
  it('opens PGlite from the template (made first by prepareDatabase) when there is no databaseUrl', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'ws-'));
    writeFileSync(join(workspace, 'nx.json'), '{}');
    const from = join(workspace, 'apps', 'app', 'dist');
    mkdirSync(from, { recursive: true });
    const config = { dataDir: 'memory://', pgliteTemplateDir: '.data/templates', environment: 'development' };
    expect(await prepareDatabase({ ...config, environment: 'production' }, { schema: notes, from })).toBeUndefined();
    expect(existsSync(join(workspace, '.data/templates'))).toBe(false);
    expect(await prepareDatabase(config, { schema: notes, from })).toBe(templateFile(join(workspace, '.data/templates'), notes));
    const sql = await openDatabase(config, { schema: notes, from });
    expect(sql.backend).toBe('pglite');
    expect(sql.pool).toBeUndefined();
    await sql.query("insert into notes (body) values ('kept')");
    expect(await sql.query('select body from notes')).toEqual([{ body: 'kept' }]);
    await sql.close();
  });
});
