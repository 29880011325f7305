import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPglite } from './sql';

describe('openPglite', () => {
  it('creates a data folder whose parents do not exist yet, and keeps data across reopening', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pglite-'));
    const dataDir = join(root, '.data', 'documents');
    try {
      const first = await openPglite(dataDir);
      await first.query('create table kept (n integer)');
      await first.query('insert into kept values (42)');
      await first.close();
      const second = await openPglite(dataDir);
      expect(await second.query<{ n: number }>('select n from kept')).toEqual([{ n: 42 }]);
      await second.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('rolls back a transaction that throws', async () => {
    const sql = await openPglite('memory://');
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
