import { createTokenIssuer, createTokenVerifier } from '@mcp-fleet/middleware';
import { createTestClient, createTestMiddleware, type ProtocolEra } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/passwords';
import { createServer } from '../src/server';
import { DocumentRepository } from '../src/store/repository';
import { openMemoryPglite } from './support/databases';

const tokens = { secret: 'integration-secret-that-is-long-enough', issuer: 'documents-test', audience: 'documents' };
const issueToken = createTokenIssuer({ ...tokens, ttlSec: 600 });
let repo: DocumentRepository;

beforeAll(async () => {
  repo = await DocumentRepository.open(await openMemoryPglite());
  await repo.ensureUser('testuser', await hashPassword('password'));
  await repo.ensureUser('otheruser', await hashPassword('password'));
});
afterAll(() => repo.close());

/** A client of the documents service; with a username, it holds that user's verified token. */
async function connect(era: ProtocolEra, username?: string) {
  const chain = createTestMiddleware({ auth: true });
  const factory = () => createServer({ repo, issueToken, middleware: chain.middleware });
  if (!username) return { ...(await createTestClient(factory, { era })), chain };
  const anonymous = await createTestClient(factory, { era });
  const issued = (await anonymous.client.callTool({ name: 'login', arguments: { username, password: 'password' } })).structuredContent as {
    access_token: string;
  };
  await anonymous.close();
  const authInfo = await createTokenVerifier(tokens)(issued.access_token);
  return { ...(await createTestClient(factory, { era, authInfo })), chain };
}

const text = (result: { contents: unknown[] }) => JSON.parse((result.contents[0] as { text: string }).text) as Record<string, unknown>;

describe.each(['modern', 'legacy'] as const)('documents over the %s era', (era) => {
  it('runs the seed flow: login, create, read, update, read again; another user cannot see it', async () => {
    const alice = await connect(era, 'testuser');
    const created = await alice.client.callTool({
      name: 'create_document',
      arguments: { title: 'Test Document', content: 'This is a test document' },
    });
    const { id, version } = created.structuredContent as { id: string; version: number };
    expect(version).toBe(1);
    expect(JSON.parse((created.content as { text: string }[])[0]!.text)).toEqual({ id, version: 1 });
    expect(text(await alice.client.readResource({ uri: `documents://${id}` }))).toMatchObject({ id, title: 'Test Document', version: 1 });
    const updated = await alice.client.callTool({ name: 'update_document', arguments: { id, title: 'Updated Document', version: 1 } });
    expect(updated.structuredContent).toEqual({ success: true, id, version: 2 });
    expect(text(await alice.client.readResource({ uri: `documents://${id}` }))).toMatchObject({ title: 'Updated Document', version: 2 });

    const bob = await connect(era, 'otheruser');
    await expect(bob.client.readResource({ uri: `documents://${id}` })).rejects.toThrow(`document ${id} not found`);
    await alice.close();
    await bob.close();
  });

  it('lists, deletes, and refuses a stale version through the protocol', async () => {
    const alice = await connect(era, 'testuser');
    const { id } = (await alice.client.callTool({ name: 'create_document', arguments: { title: 'short-lived', content: '' } }))
      .structuredContent as { id: string };
    const listed = (await alice.client.callTool({ name: 'list_documents', arguments: { page_size: 100 } })).structuredContent as {
      items: { id: string }[];
    };
    expect(listed.items.map((item) => item.id)).toContain(id);
    const stale = await alice.client.callTool({ name: 'update_document', arguments: { id, content: 'x', version: 7 } });
    expect(stale).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('version conflict') }] });
    expect((await alice.client.callTool({ name: 'delete_document', arguments: { id } })).structuredContent).toEqual({ success: true });
    expect((await alice.client.callTool({ name: 'delete_document', arguments: { id } })).isError).toBe(true);
    await alice.close();
  });

  it('reads the profile resource of the caller', async () => {
    const bob = await connect(era, 'otheruser');
    expect(text(await bob.client.readResource({ uri: 'users://me/profile' }))).toMatchObject({ username: 'otheruser' });
    await bob.close();
  });

  it('without a token allows discovery and login only', async () => {
    const anonymous = await connect(era);
    const { tools } = await anonymous.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'create_document',
      'delete_document',
      'list_documents',
      'login',
      'update_document',
    ]);
    const refused = await anonymous.client.callTool({ name: 'list_documents', arguments: {} });
    expect(refused).toMatchObject({
      isError: true,
      content: [{ text: 'authentication required: tool list_documents needs an Authorization: Bearer <token> header' }],
    });
    await expect(anonymous.client.readResource({ uri: 'users://me/profile' })).rejects.toThrow('authentication required');
    expect(anonymous.chain.logs.some((line) => line.msg === 'call' && line.name === 'list_documents' && line.outcome === 'refused')).toBe(
      true,
    );
    await anonymous.close();
  });

  it('answers a malformed or unknown document URI with a clear not-found, never a stack trace', async () => {
    const alice = await connect(era, 'testuser');
    await expect(alice.client.readResource({ uri: 'documents://not-a-uuid' })).rejects.toThrow('document not-a-uuid not found');
    await expect(alice.client.readResource({ uri: 'documents://00000000-0000-0000-0000-000000000000' })).rejects.toThrow('not found');
    const nested = alice.client.readResource({ uri: 'documents://a/b/c' });
    await expect(nested).rejects.toThrow(/not found/i);
    await expect(nested).rejects.not.toThrow(/at .*\.ts:\d+/);
    await alice.close();
  });
});
