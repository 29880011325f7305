import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { access, createTokenVerifier, NotFoundError, standardChain, withMiddleware } from '@mcp-fleet/middleware';
import { McpServer } from '@modelcontextprotocol/server';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { runtimeConfigSchema } from './config';
import { createLogger } from './logger';
import { serve, type RunningService } from './serve';

const open = { _meta: access({ public: true }) };

/** A service through the standard chain whose tools end in every way the outcome label tells apart. */
function fixture() {
  const logger = createLogger({ service: 'outcomes', level: 'silent' });
  const middleware = standardChain({ logger, auth: true, timeout: { ms: 5_000, overrides: { hang: 20 } } });
  return () => {
    const server = withMiddleware(new McpServer({ name: 'outcomes', version: '1.0.0' }), middleware);
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }), ...open }, async ({ message }) => ({
      content: [{ type: 'text', text: message }],
    }));
    server.registerTool('missing', { inputSchema: z.object({}), ...open }, async () => {
      throw new NotFoundError('document 7 not found');
    });
    server.registerTool('returns_error', { inputSchema: z.object({}), ...open }, async () => ({
      content: [{ type: 'text', text: 'no such city' }],
      isError: true,
    }));
    server.registerTool('crash', { inputSchema: z.object({}), ...open }, async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    server.registerTool('hang', { inputSchema: z.object({}), ...open }, async (_args, ctx) => {
      await new Promise((resolve) => ctx.mcpReq.signal.addEventListener('abort', resolve, { once: true }));
      return { content: [] };
    });
    server.registerTool('database', { inputSchema: z.object({}), ...open }, async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    server.registerTool('bad_output', { inputSchema: z.object({}), outputSchema: z.object({ n: z.number() }), ...open }, async () => ({
      content: [],
      structuredContent: { n: 'seven' } as unknown as { n: number },
    }));
    server.registerTool('private', { inputSchema: z.object({}), _meta: access({ scopes: ['admin'] }) }, async () => ({ content: [] }));
    server.registerResource('gone', 'outcomes://gone', open, async () => {
      throw new NotFoundError('outcomes://gone is gone');
    });
    server.registerResource('broken', 'outcomes://broken', open, async () => {
      throw new Error('disk on fire');
    });
    return server;
  };
}

/** Every way a call can end, as a client of either era makes it; failures are the point, so none is thrown. */
const CALLS: { tool: string; arguments?: Record<string, unknown> }[] = [
  { tool: 'echo', arguments: { message: 'hi' } },
  { tool: 'echo', arguments: { message: 42 } },
  { tool: 'missing' },
  { tool: 'returns_error' },
  { tool: 'crash' },
  { tool: 'hang' },
  { tool: 'database' },
  { tool: 'bad_output' },
  { tool: 'private' },
  { tool: 'nope' },
];

/** The outcome each of CALLS (and the two reads) must be counted with, by method, tool label and outcome. */
const EXPECTED = [
  'resources/read  client_error',
  'resources/read  server_error',
  'tools/call bad_output server_error',
  'tools/call crash server_error',
  'tools/call database server_error',
  'tools/call echo client_error',
  'tools/call echo ok',
  'tools/call hang server_error',
  'tools/call missing tool_error',
  'tools/call private refused',
  'tools/call returns_error tool_error',
  'tools/call unknown client_error',
];

interface AnyClient {
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
  readResource(params: { uri: string }): Promise<unknown>;
  close(): Promise<void>;
}

const clients: Record<string, (url: string) => Promise<AnyClient>> = {
  async modern(url) {
    const client = new Client({ name: 'modern', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client as AnyClient;
  },
  async '2025'(url) {
    const client = new V1Client({ name: 'v1', version: '0' });
    await client.connect(new V1Transport(new URL(url)));
    return client as AnyClient;
  },
};

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test over')));
});

async function start(fastLane: boolean, config: Record<string, unknown> = {}) {
  const service = await serve(fixture(), {
    name: 'outcomes',
    config: runtimeConfigSchema.parse({ port: 0, logLevel: 'silent', http: { fastLane }, ...config }),
    handleSignals: false,
    authenticate: createTokenVerifier({ secret: 'outcomes-test-secret-of-at-least-32-chars', issuer: 'i', audience: 'a' }),
  });
  running.push(service);
  return service;
}

async function counted(service: RunningService, methods: string[]): Promise<string[]> {
  const { values } = await service.metrics!.requests.get();
  return values
    .filter((value) => value.value > 0 && methods.includes(String(value.labels.method)))
    .map((value) => `${value.labels.method} ${value.labels.tool} ${value.labels.outcome}`)
    .sort();
}

describe('the outcome label', () => {
  it.each([
    ['modern', true],
    ['modern', false],
    ['2025', true],
  ])("tells the server's faults from the client's, a tool's own errors and refusals: %s era, fast lane %s", async (era, fastLane) => {
    const service = await start(fastLane);
    const client = await clients[era]!(service.url!);
    for (const call of CALLS) await client.callTool({ name: call.tool, arguments: call.arguments ?? {} }).catch(() => undefined);
    for (const uri of ['outcomes://gone', 'outcomes://broken']) await client.readResource({ uri }).catch(() => undefined);
    await client.close();
    // Counted when each response closes, which can come a moment after the client has read it.
    await expect.poll(() => counted(service, ['tools/call', 'resources/read']), { timeout: 30_000 }).toEqual(EXPECTED);
  });

  it("counts a refused token as refused and a request that is not JSON as the client's", async () => {
    const service = await start(true);
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(service.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
      });
    expect((await post('{}', { authorization: 'Bearer not-a-token' })).status).toBe(401);
    expect((await post('{not json')).status).toBe(400);
    await expect.poll(() => counted(service, ['invalid']), { timeout: 30_000 }).toEqual(['invalid  client_error', 'invalid  refused']);
  });

  it("fails every tools/call as the server's fault while the test-only fault is on, which SIGUSR2 toggles", async () => {
    const service = await start(true, { faults: { toggleOnSignal: true } });
    const client = await clients.modern!(service.url!);
    const echo = () =>
      client.callTool({ name: 'echo', arguments: { message: 'hi' } }).then(
        () => 'answered',
        () => 'failed',
      );
    expect(await echo()).toBe('answered');
    process.emit('SIGUSR2');
    expect(await echo()).toBe('failed');
    process.emit('SIGUSR2');
    expect(await echo()).toBe('answered');
    await client.close();
    await expect
      .poll(() => counted(service, ['tools/call']), { timeout: 30_000 })
      .toEqual(['tools/call echo ok', 'tools/call echo server_error']);
  });

  it("exports every tool's series at zero from the first scrape, so error ratios exist before the first error", async () => {
    const service = await start(true);
    const text = await (await fetch(service.url!.replace(/\/mcp$/, '/metrics'))).text();
    for (const outcome of ['ok', 'tool_error', 'client_error', 'refused', 'server_error', 'stream']) {
      expect(text).toContain(`mcp_requests_total{method="tools/call",tool="crash",outcome="${outcome}",service="outcomes"} 0`);
    }
    expect(text).toMatch(/^mcp_request_duration_seconds_count\{(?=[^}]*method="tools\/call")(?=[^}]*tool="crash")[^}]*\} 0$/m);
  });
});
