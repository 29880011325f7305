import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import {
  connectHttpClient,
  deploymentEnv,
  hostileRequests,
  renderOverlay,
  sendHostile,
  startIngressProxy,
  startServerProcess,
  type ServerProcess,
} from '@mcp-fleet/testing';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgliteTemplateDir, testDatabases } from './support/databases';

const SECRET = 'e2e-secret-that-is-at-least-32-characters';
const dataDir = mkdtempSync(join(tmpdir(), 'documents-e2e-'));
// One trusted proxy, so that a test can speak from several client addresses through X-Forwarded-For.
const pgliteEnv = { DATA_DIR: dataDir, AUTH__SECRET: SECRET, DATABASE_URL: undefined, HTTP__TRUST_PROXY: '1' };
const postgres = testDatabases().find((database) => database.name === 'postgres');

/** The backends the process runs on: PGlite in a data directory always, PostgreSQL too when DATABASE_URL is set. */
const backends: { name: string; env: () => Promise<Record<string, string | undefined>> }[] = [
  { name: 'pglite', env: async () => pgliteEnv },
  ...(postgres
    ? [{ name: 'postgres', env: async () => ({ AUTH__SECRET: SECRET, DATABASE_URL: await postgres.url(), HTTP__TRUST_PROXY: '1' }) }]
    : []),
];

const modern = (url: string, token?: string) => connectHttpClient(url, { token, name: 'e2e-v2' });

async function loginAs(url: string, username: string): Promise<string> {
  const client = await modern(url);
  const result = await client.callTool({ name: 'login', arguments: { username, password: 'password' } });
  await client.close();
  return (result.structuredContent as { access_token: string }).access_token;
}

const json = (result: { contents: unknown[] }) => JSON.parse((result.contents[0] as { text: string }).text) as Record<string, unknown>;

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await postgres?.drop();
});

describe.each(backends)('documents as a process over HTTP, on $name', (backend) => {
  let server: ServerProcess;
  let token: string;
  beforeAll(async () => {
    server = await startServerProcess({ app: 'documents', env: await backend.env() });
    token = await loginAs(server.url, 'testuser');
  });
  afterAll(async () => {
    expect((await server.stop()).code).toBe(0);
  });

  it('runs the seed flow with the v2 client: login, create, read, update, read again; another user cannot see it', async () => {
    const alice = await modern(server.url, token);
    const { id } = (
      await alice.callTool({ name: 'create_document', arguments: { title: 'Test Document', content: 'This is a test document' } })
    ).structuredContent as { id: string };
    expect(json(await alice.readResource({ uri: `documents://${id}` }))).toMatchObject({ id, title: 'Test Document', version: 1 });
    expect(
      (await alice.callTool({ name: 'update_document', arguments: { id, title: 'Updated Document', version: 1 } })).structuredContent,
    ).toEqual({
      success: true,
      id,
      version: 2,
    });
    expect(json(await alice.readResource({ uri: `documents://${id}` }))).toMatchObject({ title: 'Updated Document', version: 2 });

    const bob = await modern(server.url, await loginAs(server.url, 'otheruser'));
    await expect(bob.readResource({ uri: `documents://${id}` })).rejects.toThrow(`document ${id} not found`);
    expect(json(await bob.readResource({ uri: 'users://me/profile' }))).toMatchObject({ username: 'otheruser', document_count: 0 });
    await alice.close();
    await bob.close();
  });

  it('serves the same flow to a 2025-era v1 client with the same token', async () => {
    const client = new V1Client({ name: 'e2e-v1', version: '0' });
    await client.connect(new V1Transport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    const { id } = (await client.callTool({ name: 'create_document', arguments: { title: 'From 2025', content: '' } }))
      .structuredContent as { id: string };
    const read = await client.readResource({ uri: `documents://${id}` });
    expect(json(read)).toMatchObject({ id, title: 'From 2025' });
    const listed = await client.callTool({ name: 'list_documents', arguments: { page: 1, page_size: 100 } });
    expect((listed.structuredContent as { items: { id: string }[] }).items.map((item) => item.id)).toContain(id);
    await client.close();
  });

  it('refuses a wrong password, and reports not-found, conflicts and empty updates over the wire', async () => {
    const anonymous = await modern(server.url);
    const refused = await anonymous.callTool({ name: 'login', arguments: { username: 'testuser', password: 'wrong' } });
    expect(refused).toMatchObject({ isError: true, content: [{ text: 'invalid username or password' }] });
    await anonymous.close();

    const alice = await modern(server.url, token);
    const { id } = (await alice.callTool({ name: 'create_document', arguments: { title: 'doomed', content: '' } })).structuredContent as {
      id: string;
    };
    const errorText = async (name: string, args: Record<string, unknown>) =>
      ((await alice.callTool({ name, arguments: args })).content as { text: string }[])[0]?.text;
    expect(await errorText('update_document', { id })).toBe('nothing to update: give a title, a content, or both');
    expect(await errorText('update_document', { id, content: 'x', version: 5 })).toContain('is at version 1, not 5; nothing was written');
    expect((await alice.callTool({ name: 'delete_document', arguments: { id } })).structuredContent).toEqual({ success: true });
    expect(await errorText('delete_document', { id })).toBe(`document ${id} not found`);
    expect(await errorText('update_document', { id, content: 'x' })).toBe(`document ${id} not found`);
    await expect(alice.readResource({ uri: 'documents://not-a-uuid' })).rejects.toThrow('document not-a-uuid not found');
    await alice.close();
  });

  it('limits one address flooding wrong passwords, the same for a missing account, while another address logs in at once', async () => {
    const attacker = await connectHttpClient(server.url, { headers: { 'x-forwarded-for': '203.0.113.66' } });
    const tryLogin = async (client: typeof attacker, username: string, password: string) =>
      ((await client.callTool({ name: 'login', arguments: { username, password } })).content as { text: string }[])[0]!.text;
    // Bounded: the default allows 5 failures before the back-off.
    const answers: string[] = [];
    for (let attempt = 0; attempt < 7; attempt++) answers.push(await tryLogin(attacker, 'testuser', `guess-${attempt}`));
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('invalid username or password'));
    expect(answers[6]).toMatch(/^too many failed logins for this account from 203\.0\.113\.66; retry in \d+ s$/);
    // Even the right password waits out the back-off from that address.
    expect(await tryLogin(attacker, 'testuser', 'password')).toMatch(/^too many failed logins/);
    for (let attempt = 0; attempt < 7; attempt++) answers.push(await tryLogin(attacker, 'no-such-user', `guess-${attempt}`));
    expect(answers.slice(7, 12)).toEqual(Array(5).fill('invalid username or password'));
    expect(answers[13]).toMatch(/^too many failed logins for this account from 203\.0\.113\.66; retry in \d+ s$/);

    const colleague = await connectHttpClient(server.url, { headers: { 'x-forwarded-for': '198.51.100.7' } });
    const result = await colleague.callTool({ name: 'login', arguments: { username: 'testuser', password: 'password' } });
    expect(result.isError).toBeFalsy();
    await Promise.all([attacker.close(), colleague.close()]);
  });

  it('challenges a call that needs a token when none is sent, before the handler: 401 naming its metadata and scope', async () => {
    const anonymous = await modern(server.url);
    await expect(anonymous.callTool({ name: 'create_document', arguments: { title: 'x', content: 'x' } })).rejects.toThrow(
      'Unauthorized: tool create_document needs an Authorization: Bearer <token> header',
    );
    await anonymous.close();
    const origin = new URL(server.url).origin;
    const refused = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_documents', arguments: {} } }),
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(
      `Bearer realm="mcp", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp", scope="documents:read"`,
    );
    // What a client reads next to find where to get a token (RFC 9728); anonymous, like the discovery it follows.
    expect(await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json()).toEqual({
      resource: `${origin}/mcp`,
      scopes_supported: ['documents:read', 'documents:write'],
      bearer_methods_supported: ['header'],
    });
  });

  const forged = {
    'a bad signature': () =>
      new SignJWT({ scope: 'documents:write' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer('mcp-fleet/documents')
        .setAudience('documents')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('a-different-secret-of-32-characters!!')),
    'an expired token': () =>
      new SignJWT({ scope: 'documents:write' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer('mcp-fleet/documents')
        .setAudience('documents')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
        .sign(new TextEncoder().encode(SECRET)),
    'the wrong audience': () =>
      new SignJWT({ scope: 'documents:write' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('x')
        .setIssuer('mcp-fleet/documents')
        .setAudience('billing')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(SECRET)),
    'alg: none': async () =>
      new UnsecuredJWT({ scope: 'documents:write' })
        .setSubject('x')
        .setIssuer('mcp-fleet/documents')
        .setAudience('documents')
        .setExpirationTime('1h')
        .encode(),
  };

  it.each(Object.keys(forged))('answers %s with 401 and WWW-Authenticate, and no handler runs', async (name) => {
    const requestId = `forged-${name.replace(/\W+/g, '-')}`;
    const badToken = await forged[name as keyof typeof forged]();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        authorization: `Bearer ${badToken}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'create_document', arguments: { title: 'forged', content: '' } },
      }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="mcp", error="invalid_token", error_description=".+"$/);
    await server.waitForLog((line) => line.requestId === requestId && line.msg === 'mcp request');
    // The pipeline writes a "call" line for every call that reaches it; a refused token never gets there.
    expect(server.logs.filter((line) => line.requestId === requestId).map((line) => line.msg)).toEqual(['mcp request']);
  });

  it('answers a malformed Authorization header with 401', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('the Authorization header must be \\"Bearer <token>\\"');
  });

  it('keeps every write when 20 clients update one document at once, one winner per version', async () => {
    const setup = await modern(server.url, token);
    const { id } = (await setup.callTool({ name: 'create_document', arguments: { title: 'contended', content: '' } }))
      .structuredContent as { id: string };
    const clients = await Promise.all(Array.from({ length: 20 }, () => modern(server.url, token)));
    const winningVersions = await Promise.all(
      clients.map(async (client, writer) => {
        // Read-modify-write with the version read; on a conflict, read again and retry (bounded).
        for (let attempt = 0; attempt < 100; attempt++) {
          const current = json(await client.readResource({ uri: `documents://${id}` })) as { content: string; version: number };
          const result = await client.callTool({
            name: 'update_document',
            arguments: { id, content: `${current.content}[${writer}]`, version: current.version },
          });
          if (!result.isError) return (result.structuredContent as { version: number }).version;
          expect((result.content as { text: string }[])[0]?.text).toContain('version conflict');
        }
        throw new Error(`writer ${writer} never won`);
      }),
    );
    expect([...winningVersions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    const final = json(await setup.readResource({ uri: `documents://${id}` })) as { content: string; version: number };
    expect(final.version).toBe(21);
    for (let writer = 0; writer < 20; writer++) expect(final.content).toContain(`[${writer}]`);
    await Promise.all([setup, ...clients].map((client) => client.close()));
  });

  it('reports the database on /readyz', async () => {
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(await ready.json()).toEqual({ ready: true, status: 'ready', checks: { database: 'ok' } });
  });
});

describe('documents behind the Ingress, as its production manifests set it up', () => {
  /** A 2025-era login through `url`, sent from the loopback address `from`; the answer's text. */
  const login = (url: string, from: string, username: string, password: string, forwardedFor?: string) =>
    new Promise<string>((resolve, reject) => {
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        ...(forwardedFor && { 'x-forwarded-for': forwardedFor }),
      };
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'login', arguments: { username, password } },
      });
      const req = httpRequest(url, { method: 'POST', headers, localAddress: from }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.once('end', () => resolve(text));
      });
      req.once('error', reject).end(body);
    });

  it("does not lock one address out for another's failed logins, and a forged X-Forwarded-For changes nothing", async () => {
    const manifests = renderOverlay(join(workspaceRoot(), 'apps', 'documents'), 'production');
    const { HTTP__TRUST_PROXY, HTTP__ALLOWED_HOSTS } = deploymentEnv(manifests.find((manifest) => manifest.kind === 'Deployment')!);
    const publicHost = manifests.find((manifest) => manifest.kind === 'Ingress')!.spec.rules[0].host as string;
    const server = await startServerProcess({
      app: 'documents',
      env: { DATA_DIR: 'memory://', AUTH__SECRET: SECRET, DATABASE_URL: undefined, HTTP__TRUST_PROXY, HTTP__ALLOWED_HOSTS },
    });
    const ingress = await startIngressProxy({ target: server.baseUrl, host: publicHost });
    try {
      // The attacker spends its address's 50 failures over 51 accounts, claiming the victim's address every time.
      const answers: string[] = [];
      for (let attempt = 0; attempt <= 51; attempt++)
        answers.push(await login(ingress.url, '127.0.0.2', `user-${attempt}`, 'wrong', '127.0.0.3'));
      expect(answers[50]).toContain('invalid username or password');
      expect(answers[51]).toMatch(/too many failed logins from 127\.0\.0\.2; retry in \d+ s/);
      expect(await login(ingress.url, '127.0.0.3', 'testuser', 'password')).toContain('access_token');
    } finally {
      await ingress.close();
      await server.stop();
    }
  });
});

describe('documents under hostile input', () => {
  it('answers 10,000 hostile requests without a server error, in a 96 MB heap, and keeps serving', async () => {
    const server = await startServerProcess({
      app: 'documents',
      env: { ...pgliteEnv, DATA_DIR: 'memory://' },
      nodeFlags: ['--liftoff-only', '--max-old-space-size=96'],
    });
    try {
      const run = await sendHostile(server.baseUrl, hostileRequests(10_000));
      expect(run.serverErrors).toEqual({});
      const alice = await modern(server.url, await loginAs(server.url, 'testuser'));
      expect((await alice.callTool({ name: 'list_documents', arguments: {} })).isError).toBeFalsy();
      await alice.close();
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});

describe('documents starting up', () => {
  it('restarted on the same PGlite data directory still has the document, and the token still works', async () => {
    const env = pgliteEnv;
    const first = await startServerProcess({ app: 'documents', env });
    const token = await loginAs(first.url, 'testuser');
    const client = await modern(first.url, token);
    const { id } = (await client.callTool({ name: 'create_document', arguments: { title: 'Survivor', content: 'kept on disk' } }))
      .structuredContent as { id: string };
    await client.close();
    expect((await first.stop()).code).toBe(0);

    const second = await startServerProcess({ app: 'documents', env });
    const again = await modern(second.url, token);
    expect(json(await again.readResource({ uri: `documents://${id}` }))).toMatchObject({
      title: 'Survivor',
      content: 'kept on disk',
      version: 1,
    });
    await again.close();
    expect((await second.stop()).code).toBe(0);
  });

  it("with --prepare, makes sure of the PGlite template for development and tests, and none under the image's production config; exits 0", () => {
    // The workspace's template, made before the tests (global-setup.ts): making one is pglite.test.ts's subject.
    const templateDir = pgliteTemplateDir;
    const prepare = (environment: string) =>
      spawnSync(process.execPath, [join(workspaceRoot(), 'apps', 'documents', 'dist', 'main.js'), '--prepare'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          MCP_ENV: environment,
          PGLITE_TEMPLATE_DIR: templateDir,
          NODE_V8_COVERAGE: join(workspaceRoot(), 'apps', 'documents', 'coverage', 'e2e-raw'),
        },
      });
    const test = prepare('test');
    expect(test.stderr).toBe('');
    expect(test.status).toBe(0);
    expect(test.stdout).toMatch(/^documents: PGlite template \S+documents-[0-9a-f]{16}\.tar ready in \d+ ms$/m);
    // The folder is the workspace's, shared with other services' templates; documents has exactly one there.
    expect(readdirSync(templateDir).filter((name) => name.startsWith('documents-'))).toEqual([
      expect.stringMatching(/^documents-[0-9a-f]{16}\.tar$/),
    ]);
    // What the image build runs (MCP_ENV=production): production runs on PostgreSQL only, so no template ships.
    const production = prepare('production');
    expect(production.stderr).toBe('');
    expect(production.status).toBe(0);
    expect(production.stdout).toMatch(/^documents: no PGlite template \(production runs on PostgreSQL only\) in \d+ ms$/m);
  });

  it('refuses to start in production without a secret, naming the fix, and exits 1', async () => {
    await expect(
      startServerProcess({ app: 'documents', env: { MCP_ENV: 'production', PORT: '0', HOST: '127.0.0.1', AUTH__SECRET: undefined } }),
    ).rejects.toThrow(/exited \(code 1.*auth\.secret is required in production \(set AUTH__SECRET/s);
  });

  it('without AUTH__SECRET outside production, warns and uses a per-process secret', async () => {
    const server = await startServerProcess({
      app: 'documents',
      env: { DATA_DIR: 'memory://', AUTH__SECRET: undefined, DATABASE_URL: undefined },
    });
    expect(server.logs.find((line) => line.level === 'warn')?.msg).toContain(
      'auth.secret is not set (AUTH__SECRET): using a random secret',
    );
    expect(await loginAs(server.url, 'testuser')).toMatch(/^eyJ/);
    expect((await server.stop()).code).toBe(0);
  });
});
