import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../test/support/databases';
import { migrate, type Sql } from '@mcp-fleet/storage';
import { MIGRATIONS, SCHEMA } from './migrations';
import { DocumentRepository } from './repository';

describe.each(testDatabases())('DocumentRepository on $name', (database) => {
  let sql: Sql;
  let repo: DocumentRepository;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    sql = await database.open();
    repo = await DocumentRepository.open(sql);
    await repo.ensureUser('alice', 'hash-a');
    await repo.ensureUser('bob', 'hash-b');
    alice = (await repo.findUser('alice'))!.id;
    bob = (await repo.findUser('bob'))!.id;
  });
  afterAll(async () => {
    await repo.close();
    await database.drop();
  });

  it('migrates once: a second run, or two at once, applies nothing more', async () => {
    expect(await migrate(sql, SCHEMA)).toEqual([]);
    const again = await Promise.all([migrate(sql, SCHEMA), migrate(sql, SCHEMA)]);
    expect(again).toEqual([[], []]);
    const recorded = await sql.query<{ version: number }>(
      "select version from schema_migrations where service = 'documents' order by version",
    );
    expect(recorded.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
  });

  it('keeps users unique and seeding idempotent', async () => {
    await repo.ensureUser('alice', 'another-hash');
    expect((await repo.findUser('alice'))?.password_hash).toBe('hash-a');
    expect(await repo.findUser('nobody')).toBeUndefined();
  });

  it('creates, reads and scopes documents to their owner', async () => {
    const created = await repo.create(alice, 'Test Document', 'hello');
    expect(created).toMatchObject({ title: 'Test Document', content: 'hello', version: 1 });
    expect(created.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await repo.get(alice, created.id)).toEqual(created);
    expect(await repo.get(bob, created.id)).toBeUndefined();
    expect(await repo.get(alice, 'not-a-uuid')).toBeUndefined();
    expect(await repo.get(alice, '00000000-0000-0000-0000-000000000000')).toBeUndefined();
  });

  it('updates with optimistic concurrency: a stale version writes nothing', async () => {
    const doc = await repo.create(alice, 'v', 'one');
    const updated = await repo.update(alice, doc.id, { content: 'two' }, 1);
    expect(updated).toMatchObject({ status: 'updated', document: { version: 2, content: 'two', title: 'v' } });
    expect(await repo.update(alice, doc.id, { content: 'stale' }, 1)).toEqual({ status: 'conflict', currentVersion: 2 });
    expect((await repo.get(alice, doc.id))?.content).toBe('two');
    expect(await repo.update(alice, doc.id, { title: 'no version given' })).toMatchObject({ status: 'updated', document: { version: 3 } });
    expect(await repo.update(bob, doc.id, { content: 'not mine' })).toEqual({ status: 'not_found' });
    expect(await repo.update(alice, 'junk', { content: 'x' })).toEqual({ status: 'not_found' });
  });

  it('lets exactly one of 20 concurrent writers holding the same version win', async () => {
    const doc = await repo.create(alice, 'race', 'start');
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => repo.update(alice, doc.id, { content: `writer ${i}` }, 1)));
    expect(outcomes.filter((outcome) => outcome.status === 'updated')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.status === 'conflict')).toHaveLength(19);
    expect((await repo.get(alice, doc.id))?.version).toBe(2);
  });

  it("deletes only the owner's document", async () => {
    const doc = await repo.create(alice, 'gone', '');
    expect(await repo.delete(bob, doc.id)).toBe(false);
    expect(await repo.delete(alice, doc.id)).toBe(true);
    expect(await repo.delete(alice, doc.id)).toBe(false);
    expect(await repo.delete(alice, 'junk')).toBe(false);
  });

  it('pages oldest first: of 100 documents at 10 a page, page 10 starts with the 91st', async () => {
    await repo.ensureUser('pager', 'h');
    const pager = (await repo.findUser('pager'))!.id;
    for (let i = 1; i <= 100; i++) await repo.create(pager, `doc ${i}`, '');
    const page = await repo.list(pager, 90, 10);
    expect(page.total).toBe(100);
    expect(page.items.map((item) => item.title)).toEqual(Array.from({ length: 10 }, (_, i) => `doc ${91 + i}`));
    expect((await repo.list(pager, 100, 10)).items).toEqual([]);
  });

  it('reads a profile with the document count', async () => {
    await repo.ensureUser('counted', 'h');
    const id = (await repo.findUser('counted'))!.id;
    await repo.create(id, 'a', '');
    await repo.create(id, 'b', '');
    expect(await repo.profile(id)).toMatchObject({ id, username: 'counted', document_count: 2 });
    expect(await repo.profile('junk')).toBeUndefined();
  });

  it("makes a provider's user on first sight, once even when ten first calls race, apart from a local user of that name", async () => {
    const issuer = 'https://id.example.com';
    const first = await Promise.all(Array.from({ length: 10 }, () => repo.userForIdentity(issuer, 'alice')));
    expect(new Set(first).size).toBe(1);
    expect(first[0]).not.toBe(alice);
    expect(await repo.userForIdentity(issuer, 'alice')).toBe(first[0]);
    expect(await repo.userForIdentity('https://other.example.com', 'alice')).not.toBe(first[0]);
    expect(await repo.profile(first[0]!)).toMatchObject({ username: 'alice', document_count: 0 });
    expect((await repo.findUser('alice'))?.id).toBe(alice);
  });

  it('answers ping while the database is reachable', async () => {
    await expect(repo.ping()).resolves.toBeUndefined();
    expect(repo.backend).toBe(database.name);
  });
});

describe.each(testDatabases({ empty: true }))('migration 3 (users from identity providers) on $name', (database) => {
  it('keeps the users and documents a database already had, and their logins', async () => {
    const sql = await database.open();
    await migrate(sql, { ...SCHEMA, migrations: MIGRATIONS.filter((migration) => migration.version < 3) });
    const [user] = await sql.query<{ id: string }>("insert into users (username, password_hash) values ('carol', 'hash-c') returning id");
    await sql.query("insert into documents (owner_id, title, content) values ($1, 'kept', '')", [user!.id]);
    const repo = await DocumentRepository.open(sql);
    expect(await repo.findUser('carol')).toMatchObject({ id: user!.id, password_hash: 'hash-c' });
    expect((await repo.list(user!.id, 0, 10)).items).toEqual([expect.objectContaining({ title: 'kept' })]);
    await expect(sql.query('insert into users (username) values ($1)', ['no-password'])).rejects.toThrow(/users_signs_in/);
    await repo.close();
    await database.drop();
  });
});
