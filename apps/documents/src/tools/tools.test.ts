import { createTokenIssuer, createTokenVerifier } from '@mcp-fleet/middleware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../passwords';
import { readDocument } from '../resources/document';
import { readProfile } from '../resources/profile';
import { DocumentRepository } from '../store/repository';
import { openMemoryPglite } from '../../test/support/databases';
import type { OwnerContext } from './context';
import { createDocument } from './create-document';
import { deleteDocument } from './delete-document';
import { listDocuments } from './list-documents';
import { login } from './login';
import { updateDocument } from './update-document';

const tokens = { secret: 'unit-test-secret-that-is-long-enough!', issuer: 'documents-test', audience: 'documents' };
let repo: DocumentRepository;
let ctx: OwnerContext;
let other: OwnerContext;

beforeAll(async () => {
  repo = await DocumentRepository.open(await openMemoryPglite());
  await repo.ensureUser('testuser', await hashPassword('password'));
  await repo.ensureUser('otheruser', await hashPassword('password'));
  ctx = { repo, ownerId: (await repo.findUser('testuser'))!.id };
  other = { repo, ownerId: (await repo.findUser('otheruser'))!.id };
});
afterAll(() => repo.close());

describe('login', () => {
  const issueToken = createTokenIssuer({ ...tokens, ttlSec: 600 });

  it("trades the seed user's password for a bearer token for that user", async () => {
    const issued = await login({ username: 'testuser', password: 'password' }, { repo, issueToken });
    expect(issued).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    const verified = await createTokenVerifier(tokens)(issued.access_token);
    expect(verified).toMatchObject({ clientId: ctx.ownerId, scopes: ['documents:read', 'documents:write'] });
  });

  it('refuses a wrong password and an unknown user with the same message', async () => {
    await expect(login({ username: 'testuser', password: 'wrong' }, { repo, issueToken })).rejects.toThrow('invalid username or password');
    await expect(login({ username: 'nobody', password: 'password' }, { repo, issueToken })).rejects.toThrow('invalid username or password');
  });

  it('says login is disabled where tokens come from an identity provider', async () => {
    await expect(login({ username: 'testuser', password: 'password' }, { repo })).rejects.toThrow('login is disabled');
  });
});

describe('documents', () => {
  it('creates at version 1, reads back, updates, and deletes', async () => {
    const created = await createDocument({ title: 'Test Document', content: 'This is a test document' }, ctx);
    expect(created.version).toBe(1);
    expect(await readDocument(created.id, ctx)).toMatchObject({ title: 'Test Document', content: 'This is a test document', version: 1 });
    expect(await updateDocument({ id: created.id, title: 'Updated Document', version: 1 }, ctx)).toEqual({
      success: true,
      id: created.id,
      version: 2,
    });
    expect((await readDocument(created.id, ctx)).title).toBe('Updated Document');
    expect(await deleteDocument({ id: created.id }, ctx)).toEqual({ success: true });
    await expect(readDocument(created.id, ctx)).rejects.toThrow(`document ${created.id} not found`);
  });

  it('refuses a stale version, naming the current one, and writes nothing', async () => {
    const { id } = await createDocument({ title: 't', content: 'original' }, ctx);
    await updateDocument({ id, content: 'second', version: 1 }, ctx);
    await expect(updateDocument({ id, content: 'lost?', version: 1 }, ctx)).rejects.toThrow(
      `version conflict: document ${id} is at version 2, not 1; nothing was written. Read it again and retry with version 2`,
    );
    expect((await readDocument(id, ctx)).content).toBe('second');
  });

  it("treats another user's document exactly like a missing one", async () => {
    const { id } = await createDocument({ title: 'private', content: '' }, ctx);
    await expect(readDocument(id, other)).rejects.toThrow(`document ${id} not found`);
    await expect(updateDocument({ id, content: 'x' }, other)).rejects.toThrow(`document ${id} not found`);
    await expect(deleteDocument({ id }, other)).rejects.toThrow(`document ${id} not found`);
  });

  it('refuses an update with nothing to change', async () => {
    const { id } = await createDocument({ title: 't', content: '' }, ctx);
    await expect(updateDocument({ id }, ctx)).rejects.toThrow('nothing to update: give a title, a content, or both');
  });

  it("pages the seed's way: 100 items at 10 a page make 10 pages, page 10 starting with the 91st", async () => {
    await repo.ensureUser('pager', 'h');
    const pager = { repo, ownerId: (await repo.findUser('pager'))!.id };
    for (let i = 1; i <= 100; i++) await createDocument({ title: `item ${i}`, content: '' }, pager);
    const page = await listDocuments({ page: 10, page_size: 10 }, pager);
    expect({ ...page, items: page.items.length }).toEqual({ items: 10, page: 10, page_size: 10, total: 100, total_pages: 10 });
    expect(page.items[0]?.title).toBe('item 91');
    expect(await listDocuments({}, pager)).toMatchObject({ page: 1, page_size: 10, total_pages: 10 });
  });

  it("reads the profile of the token's user from the database", async () => {
    expect(await readProfile(other)).toMatchObject({ id: other.ownerId, username: 'otheruser', document_count: 0 });
    await expect(readProfile({ repo, ownerId: '00000000-0000-0000-0000-000000000000' })).rejects.toThrow('no longer exists');
  });
});
