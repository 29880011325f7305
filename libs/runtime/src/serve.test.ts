import { EventEmitter, once } from 'node:events';
import { connect, createServer as createNetServer } from 'node:net';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createServer as createHttpServer } from 'node:http';
import { access, clientAddressOf, createTokenVerifier } from '@mcp-fleet/middleware';
import { McpServer, ProtocolError, ProtocolErrorCode, ResourceTemplate, Server } from '@modelcontextprotocol/server';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { runtimeConfigSchema } from './config';
import { createLogger, type Logger } from './logger';
import { listDeclared, serve, type RunningService, type ServeOptions } from './serve';

type Line = Record<string, unknown>;

function testLogger(lines: Line[]): Logger {
  return createLogger({
    service: 'fixture',
    level: 'debug',
    destination: { write: (text: string) => lines.push(JSON.parse(text) as Line) },
  });
}

/** Says when a `slow` call is in its handler, so a test can act while it is in flight without guessing when. */
const slowCalls = new EventEmitter();

/** Waits for a condition that an event makes true (a log line written after the response, say), polling cheaply. */
async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function fixture(logger: Logger) {
  return () => {
    const server = new McpServer({ name: 'fixture', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }, ctx) => {
      logger.info({ requestId: ctx.http?.req?.headers.get('x-request-id'), password: 'hunter2', nested: { token: 'abc' } }, 'echoing');
      return { content: [{ type: 'text', text: message }] };
    });
    server.registerTool('whoami', { inputSchema: z.object({}) }, async (_args, ctx) => ({
      content: [{ type: 'text', text: clientAddressOf(ctx) ?? 'none' }],
    }));
    server.registerTool('fail', { inputSchema: z.object({}) }, async () => {
      throw new Error('it broke');
    });
    server.registerTool('slow', { inputSchema: z.object({ ms: z.number() }) }, async ({ ms }) => {
      slowCalls.emit('started');
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: 'done' }] };
    });
    return server;
  };
}

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test over')));
});

async function start(config: Record<string, unknown> = {}, extra: Pick<ServeOptions, 'checks' | 'authenticate'> = {}) {
  const lines: Line[] = [];
  const logger = testLogger(lines);
  const service = await serve(fixture(logger), {
    name: 'fixture',
    config: runtimeConfigSchema.parse({ port: 0, ...config }),
    handleSignals: false,
    logger,
    ...extra,
  });
  running.push(service);
  return { service, url: service.url!, base: service.url!.replace(/\/mcp$/, ''), lines };
}

async function modern(url: string): Promise<Client> {
  const client = new Client({ name: 't', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function legacy(url: string): Promise<{ client: V1Client; transport: V1Transport }> {
  const client = new V1Client({ name: 't1', version: '0' });
  const transport = new V1Transport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

const rpc = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
};

describe('serve over HTTP', () => {
  it('serves both protocol eras from one factory', async () => {
    const { url } = await start();
    const client = await modern(url);
    expect(client.getProtocolEra()).toBe('modern');
    expect((await client.callTool({ name: 'echo', arguments: { message: 'm' } })).content).toEqual([{ type: 'text', text: 'm' }]);
    await client.close();
    const old = await legacy(url);
    expect((await old.client.callTool({ name: 'echo', arguments: { message: 'l' } })).content).toEqual([{ type: 'text', text: 'l' }]);
    await old.client.close();
  });

  it('gives handlers the request id for their log lines, writes it on its own, and redacts secrets', async () => {
    const { url, lines } = await start();
    const response = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } },
      {
        'x-request-id': 'trace-7',
        'mcp-protocol-version': '2025-11-25',
      },
    );
    expect(response.status).toBe(200);
    await response.text();
    await until(() => lines.some((line) => line.requestId === 'trace-7' && line.msg === 'mcp request'));
    const mine = lines.filter((line) => line.requestId === 'trace-7');
    expect(mine.map((line) => line.msg)).toEqual(['echoing', 'mcp request']);
    expect(mine[0]).toMatchObject({ password: '[redacted]', nested: { token: '[redacted]' } });
    // The SDK's stateless 2025 leg answers over SSE; the outcome is read from the answer at the stream's end.
    expect(mine[1]).toMatchObject({ method: 'tools/call', tool: 'echo', status: 200, outcome: 'ok' });
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('replaces a request id that is not safe to log', async () => {
    const { url } = await start();
    const response = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'x-request-id': `"${'x'.repeat(200)}"` });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body whose declared length is over the limit before reading it', async () => {
    const { url } = await start({ http: { maxBodyBytes: 100 } });
    const response = await rpc(url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'x'.repeat(200) } },
    });
    expect(response.status).toBe(413);
    expect(await response.text()).toContain('exceeds 100 bytes');
  });

  describe('answers every client can read, sent before a 20 MB body is read (a lingering close)', () => {
    const tooBig = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'x'.repeat(20 * 1024 * 1024) } },
    });
    // Without a length, so the limit is found while reading, not from the header.
    const chunked = () =>
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < tooBig.length; at += 1024 * 1024)
            controller.enqueue(new TextEncoder().encode(tooBig.slice(at, at + 1024 * 1024)));
          controller.close();
        },
      });
    const post = (url: string, body: string | ReadableStream, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
        duplex: 'half',
      } as RequestInit);

    it.each([
      ['a declared length', () => tooBig],
      ['a chunked body', chunked],
    ])('413 to %s, then serves the next request', async (_, body) => {
      const { url } = await start();
      const response = await post(url, body());
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
        'Request body exceeds 1048576 bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES',
      );
      expect((await rpc(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-protocol-version': '2025-11-25' })).status).toBe(200);
    });

    it('401 to a bad token', async () => {
      const { url } = await start({}, { authenticate: () => Promise.reject(new Error('the token has expired')) });
      const response = await post(url, chunked(), { authorization: 'Bearer abc' });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain('Unauthorized: the token has expired');
    });

    it('403 to a foreign Origin', async () => {
      const { url } = await start();
      const response = await post(url, tooBig, { origin: 'https://evil.example' });
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Forbidden');
    });

    it('drops a connection that keeps sending past the bound instead of reading forever', async () => {
      const { url } = await start({ http: { maxBodyBytes: 100, lingerBytes: 1024 * 1024 } });
      const { port } = new URL(url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(`POST /mcp HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`);
      const chunk = `${(64 * 1024).toString(16)}\r\n${'x'.repeat(64 * 1024)}\r\n`;
      let sent = 0;
      // Bounded: 20 MB at most, far past the 1 MB the server may discard.
      while (!socket.destroyed && sent < 20 * 1024 * 1024) {
        if (!socket.write(chunk)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), closed]);
        sent += 64 * 1024;
      }
      await closed;
      expect(sent).toBeLessThan(20 * 1024 * 1024);
    });
  });

  it.each([
    [0, {}, '127.0.0.1'],
    [0, { 'x-forwarded-for': '203.0.113.7', 'x-mcp-fleet-client-address': '198.51.100.1' }, '127.0.0.1'],
    [1, { 'x-forwarded-for': '203.0.113.7, 192.0.2.1' }, '192.0.2.1'],
    [2, { 'x-forwarded-for': '203.0.113.7, 192.0.2.1' }, '203.0.113.7'],
    [5, { 'x-forwarded-for': '203.0.113.7' }, '203.0.113.7'],
  ])('with trustProxy %i and headers %j, tells the pipeline the client is %s', async (trustProxy, headers, expected) => {
    const { url } = await start({ http: { trustProxy } });
    const response = await rpc(
      url,
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
      { 'mcp-protocol-version': '2025-11-25', ...headers },
    );
    expect(await response.text()).toContain(`"text":"${expected}"`);
  });

  it("answers 503 with Retry-After, never 401, while the identity provider's keys cannot be fetched, and recovers by itself", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] };
    const idp = createHttpServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    const port = (idp.address() as { port: number }).port;
    await new Promise((resolve) => idp.close(resolve));
    const verify = createTokenVerifier({ jwksUrl: `http://127.0.0.1:${port}/jwks`, issuer: 'idp', audience: 'fixture' });
    const { url } = await start({}, { authenticate: verify });
    const token = await new SignJWT({ scope: '' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('u1')
      .setIssuer('idp')
      .setAudience('fixture')
      .setExpirationTime('1h')
      .sign(privateKey);
    const call = () =>
      rpc(
        url,
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } },
        { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-11-25' },
      );

    const down = await call();
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    // A fixed message: the library's error and the provider's address stay in the log.
    expect(((await down.json()) as { error: { message: string } }).error.message).toBe(
      "Service unavailable: the identity provider's keys could not be fetched to check the token; retry in 5 s",
    );

    await new Promise<void>((resolve) => idp.listen(port, '127.0.0.1', resolve));
    try {
      const up = await call();
      expect(up.status).toBe(200);
      expect(await up.text()).toContain('"text":"hi"');
    } finally {
      idp.closeAllConnections();
      await new Promise((resolve) => idp.close(resolve));
    }
  });

  it('refuses to listen beyond loopback without http.allowedHosts, naming the key and the fix', async () => {
    const attempt = serve(fixture(createLogger({ service: 'fixture', level: 'silent' })), {
      name: 'fixture',
      config: runtimeConfigSchema.parse({ port: 0, host: '0.0.0.0' }),
      handleSignals: false,
    });
    await expect(attempt).rejects.toThrow(/http\.allowedHosts is empty, but host 0\.0\.0\.0 is not loopback/);
  });

  it('checks Host against a configured allow-list when bound beyond loopback', async () => {
    const { url } = await start({ host: '127.0.0.1', http: { allowedHosts: ['mcp.example'] } });
    expect((await rpc(url, { jsonrpc: '2.0', id: 1, method: 'ping' })).status).toBe(403);
  });

  it('reports dependency checks on /readyz', async () => {
    let healthy = false;
    const { base } = await start(
      {},
      {
        checks: {
          database: () => {
            if (!healthy) throw new Error('connection refused');
          },
        },
      },
    );
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ready: false, status: 'unready', checks: { database: 'error: connection refused' } });
    healthy = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('says clearly when the port is taken', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    await expect(start({ port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use; stop the other process or set PORT`);
    blocker.close();
  });

  it('lets in-flight calls finish on shutdown and exits 0; cuts them after the grace period with 1', async () => {
    const gentle = await start();
    const client = await modern(gentle.url);
    const call = client.callTool({ name: 'slow', arguments: { ms: 300 } });
    await once(slowCalls, 'started');
    expect(await gentle.service.shutdown()).toBe(0);
    expect((await call).content).toEqual([{ type: 'text', text: 'done' }]);

    const hurried = await start({ shutdown: { graceMs: 100 } });
    const client2 = await modern(hurried.url);
    const cut = client2.callTool({ name: 'slow', arguments: { ms: 2000 } }).catch((error: Error) => error);
    await once(slowCalls, 'started');
    expect(await hurried.service.shutdown()).toBe(1);
    expect(await cut).toBeInstanceOf(Error);
  });
});

describe('serve with legacy sessions', () => {
  it('opens a session for a 2025 client, serves it and ends it on DELETE', async () => {
    const { url, lines } = await start({ http: { legacySessions: true } });
    const { client, transport } = await legacy(url);
    expect(transport.sessionId).toBeDefined();
    expect((await client.callTool({ name: 'echo', arguments: { message: 's' } })).content).toEqual([{ type: 'text', text: 's' }]);
    await transport.terminateSession();
    expect(lines.some((line) => line.msg === 'legacy session closed')).toBe(true);
    await client.close();
    const modernClient = await modern(url);
    expect(modernClient.getProtocolEra()).toBe('modern');
    await modernClient.close();
  });

  it('answers an unknown session with 404 and a request without one with 400', async () => {
    const { url } = await start({ http: { legacySessions: true } });
    const unknown = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Session not found');
    const none = await rpc(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-protocol-version': '2025-11-25' });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('send initialize first');
  });

  it('refuses sessions over http.maxSessions and expires idle ones', async () => {
    const { url } = await start({ http: { legacySessions: true, maxSessions: 1, sessionIdleMs: 100 } });
    const first = await rpc(url, initialize);
    expect(first.status).toBe(200);
    await first.text();
    const second = await rpc(url, initialize);
    expect(second.status).toBe(503);
    expect(await second.text()).toContain('Session limit reached (1, http.maxSessions)');
    // The idle session expires at the sweeper's next pass; a new one is then accepted.
    const third = await until(async () => {
      const response = await rpc(url, initialize);
      await response.text();
      return response.status === 200 && response;
    });
    expect(third.status).toBe(200);
  });

  it('refuses new sessions while draining', async () => {
    // Readiness turns at once; the listener stays open for the drain delay, a ceiling for the request to arrive.
    const { url, service } = await start({ http: { legacySessions: true }, shutdown: { drainDelayMs: 2000 } });
    const stopping = service.shutdown();
    const refused = await rpc(url, initialize);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toContain('shutting down');
    expect(await stopping).toBe(0);
  });
});

describe('listDeclared', () => {
  it("names every tool on every page of a server's listing with its access, none for a server without tools, and says why it cannot", async () => {
    const pages: Record<
      string,
      { tools: { name: string; inputSchema: { type: 'object' }; _meta?: Record<string, unknown> }[]; nextCursor?: string }
    > = {
      '': { tools: [{ name: 'a', inputSchema: { type: 'object' }, _meta: access({ public: true }) }], nextCursor: 'two' },
      two: {
        tools: [
          { name: 'b', inputSchema: { type: 'object' }, _meta: access({ scopes: ['x:write'] }) },
          { name: 'c', inputSchema: { type: 'object' } },
        ],
      },
    };
    const paging = new Server({ name: 'paging', version: '0' }, { capabilities: { tools: {} } });
    paging.setRequestHandler('tools/list', (request) => pages[request.params?.cursor ?? '']!);
    expect((await listDeclared(() => paging)).tools).toEqual(
      new Map([
        ['a', { public: true, scopes: [] }],
        ['b', { public: false, scopes: ['x:write'] }],
        ['c', undefined],
      ]),
    );

    expect((await listDeclared(() => new McpServer({ name: 'none', version: '0' }))).tools).toEqual(new Map());

    const broken = new Server({ name: 'broken', version: '0' }, { capabilities: { tools: {} } });
    broken.setRequestHandler('tools/list', () => {
      throw new ProtocolError(ProtocolErrorCode.InternalError, 'no catalogue');
    });
    await expect(listDeclared(() => broken)).rejects.toThrow('listing the tools: tools/list answered -32603 no catalogue');
  });

  it('finds what resources (static, or by a template their URI matches) and prompts declare, all for scopes_supported', async () => {
    const server = new McpServer({ name: 'declaring', version: '0' });
    const text = (uri: URL) => ({ contents: [{ uri: uri.href, text: '' }] });
    server.registerResource('me', 'users://me', { _meta: access({ scopes: ['u:read'] }) }, text);
    server.registerResource('open', 'users://open', {}, text);
    server.registerResource(
      'doc',
      new ResourceTemplate('docs://{id}', { list: undefined }),
      { _meta: access({ scopes: ['d:read'] }) },
      text,
    );
    server.registerPrompt('draft', { _meta: access({ scopes: ['d:write'] }) }, () => ({ messages: [] }));
    const { others } = await listDeclared(() => server);
    expect(others.resource('users://me')).toEqual({ public: false, scopes: ['u:read'] });
    expect(others.resource('docs://42')).toEqual({ public: false, scopes: ['d:read'] });
    expect(others.resource('users://open')).toBeUndefined();
    expect(others.resource('other://x')).toBeUndefined();
    expect(others.prompt('draft')).toEqual({ public: false, scopes: ['d:write'] });
    expect(others.all.flatMap((declared) => declared.scopes).sort()).toEqual(['d:read', 'd:write', 'u:read']);

    // A template whose list callback needs what start-up lacks: its listed resources are left to the middleware.
    const listing = new McpServer({ name: 'listing', version: '0' });
    const needsCaller = new ResourceTemplate('notes://{id}', {
      list: () => {
        throw new Error('no caller');
      },
    });
    listing.registerResource('note', needsCaller, { _meta: access({ scopes: ['n:read'] }) }, text);
    expect((await listDeclared(() => listing)).others.resource('notes://1')).toEqual({ public: false, scopes: ['n:read'] });
  });
});

describe('serve as an OAuth protected resource (MCP authorization, RFC 9728)', () => {
  const tokens: Record<string, string[]> = { reader: ['docs:read'], writer: ['docs:read', 'docs:write'] };
  const authenticate: ServeOptions['authenticate'] = async (token) => {
    if (!tokens[token]) throw new Error('the token signature does not verify');
    return { token, clientId: token, scopes: tokens[token]! };
  };
  const protectedTools = () => {
    const server = new McpServer({ name: 'protected', version: '1.0.0' });
    const answer = (text: string) => async () => ({ content: [{ type: 'text' as const, text }] });
    server.registerTool('open', { inputSchema: z.object({}), _meta: access({ public: true }) }, answer('open'));
    server.registerTool('read', { inputSchema: z.object({}), _meta: access({ scopes: ['docs:read'] }) }, answer('read'));
    server.registerTool('write', { inputSchema: z.object({}), _meta: access({ scopes: ['docs:write'] }) }, answer('write'));
    server.registerTool('plain', { inputSchema: z.object({}) }, answer('plain'));
    const contents = (uri: URL) => ({ contents: [{ uri: uri.href, text: uri.href }] });
    server.registerResource(
      'notes',
      new ResourceTemplate('notes://{id}', { list: undefined }),
      { _meta: access({ scopes: ['docs:read'] }) },
      contents,
    );
    server.registerResource('secrets', 'secrets://all', { _meta: access({ scopes: ['docs:write'] }) }, contents);
    server.registerPrompt('draft', { _meta: access({ scopes: ['docs:write'] }) }, () => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'draft' } }],
    }));
    return server;
  };
  const startProtected = async (config: Record<string, unknown> = {}, resourceServer?: ServeOptions['resourceServer']) => {
    const service = await serve(protectedTools, {
      name: 'protected',
      config: runtimeConfigSchema.parse({ port: 0, ...config }),
      handleSignals: false,
      logger: createLogger({ service: 'protected', level: 'silent' }),
      authenticate,
      resourceServer,
    });
    running.push(service);
    return { url: service.url!, base: service.url!.replace(/\/mcp$/, '') };
  };
  type Answer = { status: number; challenge: string | null };
  /** The real client of an era, with `token`; `posts` gets the status and challenge of each POST it sends. */
  const connected = async (era: 'modern' | 'legacy', url: string, token: string | undefined, posts: Answer[]) => {
    const requestInit = token ? { headers: { authorization: `Bearer ${token}` } } : {};
    const recording = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST') posts.push({ status: response.status, challenge: response.headers.get('www-authenticate') });
      return response;
    };
    if (era === 'legacy') {
      const client = new V1Client({ name: 't1', version: '0' });
      await client.connect(new V1Transport(new URL(url), { requestInit, fetch: recording }));
      return client;
    }
    const client = new Client({ name: 't', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit, fetch: recording }));
    return client;
  };

  it('serves its metadata at the resource path and the root, the scopes its tools declare, and the configured servers', async () => {
    const { base } = await startProtected();
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      expect(await response.json()).toEqual({
        resource: `${base}/mcp`,
        scopes_supported: ['docs:read', 'docs:write'],
        bearer_methods_supported: ['header'],
      });
    }
    expect((await fetch(`${base}/.well-known/oauth-protected-resource/other`)).status).toBe(404);

    const configured = await startProtected(
      {},
      { resource: 'https://docs.example.com/mcp', authorizationServers: ['https://id.example.com'] },
    );
    expect(await (await fetch(`${configured.base}/.well-known/oauth-protected-resource/mcp`)).json()).toEqual({
      resource: 'https://docs.example.com/mcp',
      authorization_servers: ['https://id.example.com'],
      scopes_supported: ['docs:read', 'docs:write'],
      bearer_methods_supported: ['header'],
    });
    // A service without authenticate is no protected resource.
    const { base: open } = await start();
    expect((await fetch(`${open}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
  });

  for (const fastLane of [true, false]) {
    for (const era of ['modern', 'legacy'] as const) {
      it(`challenges before the handler, ${era} era, lane ${fastLane ? 'on' : 'off'}: 401 without a token, 403 insufficient_scope without the scope`, async () => {
        const { url, base } = await startProtected({ http: { fastLane } });
        const metadata = `resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"`;
        type Connected = Awaited<ReturnType<typeof connected>>;
        /** What `use` got, or the HTTP status and challenge the client was refused with (connecting or using). */
        const asClient = async (
          token: string | undefined,
          use: (client: Connected) => Promise<string>,
        ): Promise<{ text: string } | Answer> => {
          const posts: Answer[] = [];
          let client: Connected | undefined;
          try {
            client = await connected(era, url, token, posts);
            return { text: await use(client) };
          } catch {
            return posts.at(-1)!;
          } finally {
            await client?.close();
          }
        };
        const call = (token: string | undefined, tool: string) =>
          asClient(
            token,
            async (client) => ((await client.callTool({ name: tool, arguments: {} })) as { content: { text: string }[] }).content[0]!.text,
          );
        const read = (token: string | undefined, uri: string) =>
          asClient(token, async (client) => ((await client.readResource({ uri })).contents[0] as { text: string }).text);
        const prompt = (token: string | undefined, name: string) =>
          asClient(token, async (client) => ((await client.getPrompt({ name })).messages[0]!.content as { text: string }).text);
        expect(await read(undefined, 'notes://1')).toEqual({
          status: 401,
          challenge: `Bearer realm="mcp", ${metadata}, scope="docs:read"`,
        });
        expect(await read('reader', 'secrets://all')).toEqual({
          status: 403,
          challenge: `Bearer realm="mcp", error="insufficient_scope", error_description="resource secrets://all needs the scope docs:write", ${metadata}, scope="docs:write"`,
        });
        expect(await read('reader', 'notes://7')).toEqual({ text: 'notes://7' });
        expect(await prompt('reader', 'draft')).toMatchObject({ status: 403 });
        expect(await prompt('writer', 'draft')).toEqual({ text: 'draft' });
        expect(await call(undefined, 'read')).toEqual({ status: 401, challenge: `Bearer realm="mcp", ${metadata}, scope="docs:read"` });
        expect(await call('reader', 'write')).toEqual({
          status: 403,
          challenge: `Bearer realm="mcp", error="insufficient_scope", error_description="tool write needs the scope docs:write", ${metadata}, scope="docs:write"`,
        });
        expect(await call('nobody', 'open')).toEqual({
          status: 401,
          challenge: `Bearer realm="mcp", error="invalid_token", error_description="the token signature does not verify", ${metadata}, scope="docs:read docs:write"`,
        });
        expect(await call('writer', 'write')).toEqual({ text: 'write' });
        expect(await call('reader', 'read')).toEqual({ text: 'read' });
        expect(await call(undefined, 'open')).toEqual({ text: 'open' });
        expect(await call(undefined, 'plain')).toEqual({ text: 'plain' });
      });
    }
  }
});

describe('serve at start-up', () => {
  it('fails fast when the factory cannot build a server', async () => {
    const config = runtimeConfigSchema.parse({ port: 0, logLevel: 'silent' });
    await expect(
      serve(
        () => {
          throw new Error('missing DATABASE_URL');
        },
        { name: 'broken', config, handleSignals: false },
      ),
    ).rejects.toThrow('missing DATABASE_URL');
  });

  it('with --prepare, builds the server once to check it, listens on nothing, and says so', async () => {
    process.argv.push('--prepare');
    try {
      const lines: Line[] = [];
      const logger = testLogger(lines);
      const service = await serve(fixture(logger), {
        name: 'fixture',
        config: runtimeConfigSchema.parse({ port: 0 }),
        handleSignals: false,
        logger,
      });
      expect(service.url).toBeUndefined();
      expect(lines.find((line) => line.msg === 'prepared (--prepare): not serving')).toMatchObject({ tools: expect.any(Number) });
      expect(await service.shutdown()).toBe(0);
    } finally {
      process.argv.splice(process.argv.indexOf('--prepare'), 1);
    }
  });
});
