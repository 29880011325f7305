import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrations';
import { testDatabases } from './test-databases';

const first = { version: 1, name: 'notes', sql: 'create table notes (id serial primary key, body text not null)' };
const second = { version: 2, name: 'tags', sql: 'create table tags (note integer references notes(id), tag text); create index tags_tag on tags (tag)' };
const databases = testDatabases({ name: 'storage-migrations', migrations: [] });
afterAll(() => Promise.all(databases.map((database) => database.drop())));

describe.each(databases)('migrate on $name', (database) => {
  it('applies what is new, once, in order, and records it; a failing migration leaves nothing behind', async () => {
    const sql = await database.open();
    try {
      expect(await migrate(sql, [first])).toEqual([1]);
      expect(await migrate(sql, [first, second])).toEqual([2]);
      expect(await migrate(sql, [first, second])).toEqual([]);
      expect(await sql.query('select version, name from schema_migrations order by version')).toEqual([
        { version: 1, name: 'notes' },
        { version: 2, name: 'tags' },
      ]);
      const broken = { version: 3, name: 'broken', sql: 'create table kept_out (n integer); select * from no_such_table' };
      await expect(migrate(sql, [first, second, broken])).rejects.toThrow(/no_such_table/);
      expect(await sql.query("select to_regclass('kept_out') as table")).toEqual([{ table: null }]);
    } finally {
      await sql.close();
    }
  });
});
