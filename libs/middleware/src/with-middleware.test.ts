import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { access, type CallContext, type Middleware } from './context';
import { standardChain } from './standard-chain';
import { withMiddleware } from './with-middleware';

const seen: CallContext[] = [];
const record: Middleware = async (ctx, next) => {
  seen.push(ctx);
  return next();
};
afterEach(() => {
  seen.length = 0;
});

async function connect(server: McpServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 't', version: '0' });
  await client.connect(clientSide);
  return client;
}

function fixture(middlewares: Middleware[]): McpServer {
  const server = withMiddleware(new McpServer({ name: 'fixture', version: '1' }), middlewares);
  server.registerTool('with_args', { inputSchema: z.object({ n: z.number() }), _meta: access({ scopes: ['x:write'] }) }, async ({ n }) => ({
    content: [{ type: 'text', text: String(n * 2) }],
  }));
  server.registerTool('no_args', { _meta: access({ public: true }) }, async () => ({ content: [{ type: 'text', text: 'none' }] }));
  server.registerTool('sleepy', { inputSchema: z.object({}) }, async (_args, ctx: ServerContext) => {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 2000);
      ctx.mcpReq.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted by the pipeline'));
      });
    });
    return { content: [] };
  });
  server.registerResource('static', 'fixture://static', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'static' }] }));
  server.registerResource('item', new ResourceTemplate('fixture://items/{id}', { list: undefined }), {}, async (uri, { id }) => ({
    contents: [{ uri: uri.href, text: `item ${String(id)}` }],
  }));
  server.registerPrompt('plain', {}, async () => ({ messages: [] }));
  server.registerPrompt('with_args', { argsSchema: z.object({ topic: z.string() }) }, async ({ topic }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: topic } }],
  }));
  return server;
}

describe('withMiddleware', () => {
  it('puts every kind of registration behind the chain, with what each call is', async () => {
    const client = await connect(fixture([record]));
    expect((await client.callTool({ name: 'with_args', arguments: { n: 21 } })).content).toEqual([{ type: 'text', text: '42' }]);
    await client.callTool({ name: 'no_args', arguments: {} });
    await client.readResource({ uri: 'fixture://static' });
    expect((await client.readResource({ uri: 'fixture://items/7' })).contents[0]).toMatchObject({ text: 'item 7' });
    await client.getPrompt({ name: 'plain' });
    await client.getPrompt({ name: 'with_args', arguments: { topic: 'testing' } });
    expect(seen.map(({ kind, name, uri, arguments: args, access: declared }) => ({ kind, name, uri, args, declared }))).toEqual([
      { kind: 'tool', name: 'with_args', uri: undefined, args: { n: 21 }, declared: { public: false, scopes: ['x:write'] } },
      { kind: 'tool', name: 'no_args', uri: undefined, args: undefined, declared: { public: true, scopes: [] } },
      { kind: 'resource', name: 'static', uri: 'fixture://static', args: undefined, declared: { public: false, scopes: [] } },
      { kind: 'resource', name: 'item', uri: 'fixture://items/7', args: { id: '7' }, declared: { public: false, scopes: [] } },
      { kind: 'prompt', name: 'plain', uri: undefined, args: undefined, declared: { public: false, scopes: [] } },
      { kind: 'prompt', name: 'with_args', uri: undefined, args: { topic: 'testing' }, declared: { public: false, scopes: [] } },
    ]);
    expect(seen.every((ctx) => ctx.requestId.length > 0 && ctx.caller === undefined)).toBe(true);
    await client.close();
  });

  it('keeps the access declaration visible to clients in tools/list', async () => {
    const client = await connect(fixture([]));
    const { tools } = await client.listTools();
    expect(tools.find((tool) => tool.name === 'no_args')?._meta).toEqual({ 'io.mcp-fleet/access': { public: true, scopes: [] } });
    await client.close();
  });

  it("aborts the handler's signal when the connection closes or a middleware gives up, and not otherwise", async () => {
    const outcomes: string[] = [];
    const giveUp: Middleware = async (ctx, next) => {
      if (ctx.name === 'given_up') ctx.abort(new Error('given up'));
      return next();
    };
    const server = fixture([giveUp]);
    server.registerTool('given_up', {}, async (ctx: ServerContext) => ({
      content: [{ type: 'text', text: String(ctx.mcpReq.signal.reason) }],
    }));
    server.registerTool('watch', {}, async (ctx: ServerContext) => {
      outcomes.push(`watching, aborted: ${ctx.mcpReq.signal.aborted}`);
      await new Promise<void>((resolve) => ctx.mcpReq.signal.addEventListener('abort', () => resolve()));
      outcomes.push(`aborted: ${String(ctx.mcpReq.signal.reason)}`);
      return { content: [] };
    });
    const client = await connect(server);
    expect((await client.callTool({ name: 'given_up', arguments: {} })).content).toEqual([{ type: 'text', text: 'Error: given up' }]);
    const pending = client.callTool({ name: 'watch', arguments: {} });
    await vi.waitFor(() => expect(outcomes).toEqual(['watching, aborted: false']), { timeout: 30_000 });
    // The connection going away aborts the SDK's signal of every call in flight; the handler's is linked to it.
    await client.close();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(outcomes).toHaveLength(2), { timeout: 30_000 });
    expect(outcomes[1]).toMatch(/^aborted: .*closed/i);
  });

  it('runs the standard chain: refuses without a token, logs every call, aborts on timeout', async () => {
    const lines: { object: Record<string, unknown>; message: string }[] = [];
    const write = (object: object, message: string) => lines.push({ object: object as Record<string, unknown>, message });
    const chain = standardChain({
      logger: { info: write, warn: write, error: write },
      auth: true,
      timeout: { ms: 100 },
      rateLimit: { points: 100, durationSec: 1 },
      logArguments: true,
    });
    const client = await connect(fixture(chain));

    const refused = await client.callTool({ name: 'with_args', arguments: { n: 1 } });
    expect(refused).toMatchObject({
      isError: true,
      content: [{ text: 'authentication required: tool with_args needs an Authorization: Bearer <token> header' }],
    });
    expect((await client.callTool({ name: 'no_args', arguments: {} })).isError).toBeUndefined();
    // sleepy is not public either, so auth refuses it first; a public timeout is checked below.
    const calls = lines.filter((line) => line.message === 'call').map((line) => [line.object.name, line.object.outcome]);
    expect(calls).toEqual([
      ['with_args', 'refused'],
      ['no_args', 'ok'],
    ]);
    expect(lines[0]?.object.arguments).toEqual({ n: 1 });
    await client.close();

    const timed = await connect(fixture(standardChain({ logger: { info: write, warn: write, error: write }, timeout: { ms: 100 } })));
    // sleepy takes 2 s unless aborted: the timeout's answer shows the limit won.
    expect(await timed.callTool({ name: 'sleepy', arguments: {} })).toMatchObject({
      isError: true,
      content: [{ text: 'tool sleepy timed out after 100 ms' }],
    });
    expect(lines.findLast((line) => line.message === 'call')?.object).toMatchObject({ name: 'sleepy', outcome: 'server_error' });
    await timed.close();
  });
});
