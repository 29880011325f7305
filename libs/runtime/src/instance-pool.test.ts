// The pool against the SDK's own HTTP entry (createMcpHandler), with real SDK clients of both eras: if an SDK
// release stops accepting an idle instance, or starts leaking one request's identity into the next, this fails.
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer, type AuthInfo, type McpRequestContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { pooledFactory } from './instance-pool';

/** A factory that counts its builds; its tool answers with the client it is serving, and can be held open. */
function countingFactory(read?: (ctx: McpRequestContext) => string | undefined) {
  const counter = { builds: 0, release: () => undefined as void, started: () => undefined as void };
  const factory = (ctx: McpRequestContext) => {
    counter.builds++;
    // What the factory read of its context: the instance is built for that.
    const builtFor = read?.(ctx) ?? 'anyone';
    const server = new McpServer({ name: 'pool-test', version: '0' });
    server.registerTool('who', { inputSchema: z.object({}) }, async (_input, sdk) => ({
      content: [{ type: 'text', text: server.server.getClientVersion()?.name ?? `no client (${sdk.mcpReq.id})` }],
    }));
    server.registerTool('built_for', { inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: builtFor }] }));
    server.registerTool('hold', { inputSchema: z.object({}) }, async () => {
      counter.started();
      await new Promise<void>((resolve) => (counter.release = resolve));
      return { content: [{ type: 'text', text: 'released' }] };
    });
    return server;
  };
  return { counter, factory };
}

/** A client wired to the handler in-process (web Request and Response, no socket), of either era. */
async function connect(handler: ReturnType<typeof createMcpHandler>, name: string, era: 'modern' | 'legacy', authInfo?: AuthInfo) {
  const fetch = (input: string | URL | Request, init?: RequestInit) => handler.fetch(new Request(input, init), authInfo && { authInfo });
  if (era === 'legacy') {
    const client = new V1Client({ name, version: '0' });
    await client.connect(new V1Transport(new URL('http://pool.test/mcp'), { fetch }));
    return client;
  }
  const client = new Client({ name, version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(new URL('http://pool.test/mcp'), { fetch }));
  return client;
}
const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe('pooledFactory with the SDK HTTP entry', () => {
  it('builds one modern instance for requests one after another, and each request sees its own client', async () => {
    const { counter, factory } = countingFactory();
    const handler = createMcpHandler(pooledFactory(factory));
    const alpha = await connect(handler, 'alpha', 'modern');
    const beta = await connect(handler, 'beta', 'modern');
    expect(textOf(await alpha.callTool({ name: 'who', arguments: {} }))).toBe('alpha');
    expect(textOf(await beta.callTool({ name: 'who', arguments: {} }))).toBe('beta');
    expect(textOf(await alpha.callTool({ name: 'who', arguments: {} }))).toBe('alpha');
    expect(counter.builds).toBe(1);
  });

  it('builds another instance while one is busy, and reuses both afterwards', async () => {
    const { counter, factory } = countingFactory();
    const handler = createMcpHandler(pooledFactory(factory));
    const client = await connect(handler, 'busy', 'modern');
    const started = new Promise<void>((resolve) => (counter.started = resolve));
    const held = client.callTool({ name: 'hold', arguments: {} });
    await started;
    expect(textOf(await client.callTool({ name: 'who', arguments: {} }))).toBe('busy');
    expect(counter.builds).toBe(2);
    counter.release();
    expect(textOf(await held)).toBe('released');
    await client.callTool({ name: 'who', arguments: {} });
    await client.callTool({ name: 'who', arguments: {} });
    expect(counter.builds).toBe(2);
  });

  it('builds a fresh instance for every 2025-era request', async () => {
    const { counter, factory } = countingFactory();
    const handler = createMcpHandler(pooledFactory(factory));
    const client = await connect(handler, 'old', 'legacy');
    const before = counter.builds;
    await client.callTool({ name: 'who', arguments: {} });
    await client.callTool({ name: 'who', arguments: {} });
    expect(counter.builds - before).toBe(2);
  });

  it('keeps the instances of a factory that reads ctx.authInfo per principal, and serves each its own', async () => {
    const { counter, factory } = countingFactory((ctx) => ctx.authInfo?.clientId ?? 'anonymous');
    const handler = createMcpHandler(pooledFactory(factory));
    const token = (clientId: string): AuthInfo => ({ token: `token-of-${clientId}`, clientId, scopes: [] });
    const [ada, bob, nobody] = [
      await connect(handler, 'ada', 'modern', token('ada')),
      await connect(handler, 'bob', 'modern', token('bob')),
      await connect(handler, 'nobody', 'modern'),
    ];
    for (let round = 0; round < 3; round++) {
      expect(textOf(await ada.callTool({ name: 'built_for', arguments: {} }))).toBe('ada');
      expect(textOf(await bob.callTool({ name: 'built_for', arguments: {} }))).toBe('bob');
      expect(textOf(await nobody.callTool({ name: 'built_for', arguments: {} }))).toBe('anonymous');
      expect(textOf(await ada.callTool({ name: 'who', arguments: {} }))).toBe('ada');
    }
    expect(counter.builds).toBe(3);
  });

  it('never reuses the instances of a factory that reads ctx.requestInfo', async () => {
    const { counter, factory } = countingFactory((ctx) => ctx.requestInfo?.url);
    const handler = createMcpHandler(pooledFactory(factory));
    const client = await connect(handler, 'request', 'modern');
    const before = counter.builds;
    await client.callTool({ name: 'who', arguments: {} });
    await client.callTool({ name: 'who', arguments: {} });
    await client.callTool({ name: 'who', arguments: {} });
    expect(counter.builds - before).toBe(3);
  });
});
