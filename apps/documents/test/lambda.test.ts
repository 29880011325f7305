import { lambdaFetch, type EventKind } from '@mcp-fleet/testing';
import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineService, loadDocumentsConfig } from '../src/service';
import { testDatabases } from './support/databases';

// documents' Lambda entry: the seed's flow through the events a Function URL and an HTTP API send, driven by the
// real SDK clients. A function needs PostgreSQL (CI sets DATABASE_URL; .ci/run starts it).
const SECRET = 'lambda-secret-that-is-at-least-32-characters';
const postgres = testDatabases().find((database) => database.name === 'postgres');
const url = new URL('https://abcdefg.lambda-url.us-east-1.on.aws/mcp');

const handlersFor = (env: Record<string, string | undefined>) =>
  createLambdaHandlers(() =>
    defineService({ host: 'lambda', config: loadDocumentsConfig({ MCP_ENV: 'test', LOG_LEVEL: 'warn', ...env }) }),
  );

async function modern(fetch: typeof globalThis.fetch, token?: string) {
  const client = new Client({ name: 'lambda-v2', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(
    new StreamableHTTPClientTransport(url, { fetch, requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }),
  );
  return client;
}

async function login(fetch: typeof globalThis.fetch, username: string): Promise<string> {
  const client = await modern(fetch);
  const result = await client.callTool({ name: 'login', arguments: { username, password: 'password' } });
  await client.close();
  return (result.structuredContent as { access_token: string }).access_token;
}

const json = (result: { contents: unknown[] }) => JSON.parse((result.contents[0] as { text: string }).text) as Record<string, unknown>;

// EMF lines go to process.stdout.write; kept out of the test output.
beforeAll(() => void vi.spyOn(process.stdout, 'write').mockImplementation(() => true));
afterAll(async () => {
  vi.restoreAllMocks();
  await postgres?.drop();
});

describe('documents as a function', () => {
  it('refuses to start on PGlite, saying why and what to set', async () => {
    await expect(handlersFor({ DATABASE_URL: undefined, DATA_DIR: '.data/documents' })).rejects.toThrow(
      /databaseUrl is required in a function \(set DATABASE_URL, from a secret\): PGlite on dataDir ".data\/documents" would keep data in one function instance's own folder/,
    );
  });
});

describe.runIf(postgres)('documents as a function on PostgreSQL, with keys from an identity provider', () => {
  it("answers 503 with Retry-After while the identity provider's keys cannot be fetched", async () => {
    // Port 1 on loopback: nothing listens there, so every fetch of the keys fails at once.
    const { handler } = await handlersFor({ DATABASE_URL: await postgres!.url(), AUTH__JWKS_URL: 'http://127.0.0.1:1/jwks.json' });
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('mcp-fleet/documents')
      .setAudience('documents')
      .setExpirationTime('5m')
      .sign(privateKey);
    const response = await lambdaFetch(handler)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "Service unavailable: the identity provider's keys could not be fetched to check the token; retry in 5 s",
    );
  });
});

describe.runIf(postgres).each<EventKind>(['function-url', 'http-api'])('documents as a function on PostgreSQL, behind %s', (kind) => {
  let fetch: typeof globalThis.fetch;
  let token: string;
  beforeAll(async () => {
    const { handler } = await handlersFor({ DATABASE_URL: await postgres!.url(), AUTH__SECRET: SECRET });
    fetch = lambdaFetch(handler, kind);
    token = await login(fetch, 'testuser');
  });

  it('runs the seed flow with the v2 client: login, create, read, update, read again; another user cannot see it', async () => {
    const alice = await modern(fetch, token);
    const { id } = (
      await alice.callTool({ name: 'create_document', arguments: { title: 'Test Document', content: 'This is a test document' } })
    ).structuredContent as { id: string };
    expect(json(await alice.readResource({ uri: `documents://${id}` }))).toMatchObject({ id, title: 'Test Document', version: 1 });
    expect(
      (await alice.callTool({ name: 'update_document', arguments: { id, title: 'Updated Document', version: 1 } })).structuredContent,
    ).toEqual({ success: true, id, version: 2 });
    expect(json(await alice.readResource({ uri: `documents://${id}` }))).toMatchObject({ title: 'Updated Document', version: 2 });
    const bob = await modern(fetch, await login(fetch, 'otheruser'));
    await expect(bob.readResource({ uri: `documents://${id}` })).rejects.toThrow(`document ${id} not found`);
    await alice.close();
    await bob.close();
  });

  it('serves the same flow to a 2025-era v1 client with the same token', async () => {
    const client = new V1Client({ name: 'lambda-v1', version: '0' });
    await client.connect(new V1Transport(url, { fetch, requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const { id } = (await client.callTool({ name: 'create_document', arguments: { title: 'From 2025', content: '' } }))
      .structuredContent as { id: string };
    expect(json(await client.readResource({ uri: `documents://${id}` }))).toMatchObject({ id, title: 'From 2025' });
    await client.close();
  });

  it('refuses a bad token with 401 and WWW-Authenticate, before any tool runs', async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer not-a-token' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="mcp", error="invalid_token", error_description="/);
  });
});
