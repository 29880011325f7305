import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrations';
import { testDatabases } from '../testing/databases';

const first = { version: 1, name: 'notes', sql: 'create table notes (id serial primary key, body text not null)' };
const second = {
  version: 2,
  name: 'tags',
  sql: 'create table tags (note integer references notes(id), tag text); create index tags_tag on tags (tag)',
};
const notes = (...migrations: (typeof first)[]) => ({ service: 'notes', migrations });
const databases = testDatabases({ service: 'storage-migrations', migrations: [] });
afterAll(() => Promise.all(databases.map((database) => database.drop())));

describe.each(databases)('migrate on $name', (database) => {
  it('applies what is new, once, in order, and records it per service; a failing migration leaves nothing behind', async () => {
    const sql = await database.open();
    try {
      expect(await migrate(sql, notes(first))).toEqual([1]);
      expect(await migrate(sql, notes(first, second))).toEqual([2]);
      expect(await migrate(sql, notes(first, second))).toEqual([]);
      expect(await sql.query('select service, version, name from schema_migrations order by version')).toEqual([
        { service: 'notes', version: 1, name: 'notes' },
        { service: 'notes', version: 2, name: 'tags' },
      ]);
      const broken = { version: 3, name: 'broken', sql: 'create table kept_out (n integer); select * from no_such_table' };
      await expect(migrate(sql, notes(first, second, broken))).rejects.toThrow(/no_such_table/);
      expect(await sql.query("select to_regclass('kept_out') as table")).toEqual([{ table: null }]);
      // Another service's version 1 in the same database is its own, not this one's.
      const other = { version: 1, name: 'other', sql: 'create table other_things (n integer)' };
      expect(await migrate(sql, { service: 'other', migrations: [other] })).toEqual([1]);
    } finally {
      await sql.close();
    }
  });
});
