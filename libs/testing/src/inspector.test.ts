import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { declaredSurface, runInspector, surfaceViaInspector } from './inspector';
import { startServerProcess, type ServerProcess } from './server-process';

let server: ServerProcess;
// Each Inspector run is a heavy process: the surface it sees is listed once and compared twice.
let viaInspector: ReturnType<typeof surfaceViaInspector>;
beforeAll(async () => {
  server = await startServerProcess({ app: join(import.meta.dirname, '..', 'test', 'fixtures', 'leaky-server.mjs') });
  viaInspector = surfaceViaInspector(server.url);
});
afterAll(async () => {
  await server.stop();
});

describe('runInspector', () => {
  it('returns what the Inspector CLI answers, as JSON', async () => {
    const listed = (await runInspector(server.url, ['--method', 'tools/list'])) as { tools: { name: string }[] };
    expect(listed.tools.map((tool) => tool.name).sort()).toEqual(['echo', 'leak']);
    const called = await runInspector(server.url, ['--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=contract'], {
      headers: { 'X-Test': 'yes' },
    });
    expect(called).toMatchObject({ content: [{ type: 'text', text: 'contract' }] });
  });

  it('says what the Inspector printed when it fails', async () => {
    await expect(runInspector(server.url, ['--method', 'no/such/method'])).rejects.toThrow(
      /the Inspector exited 1 for --method no\/such\/method/,
    );
  });
});

describe('surfaces', () => {
  // The same tools as the leaky-server fixture, declared in-process.
  const factory = () => {
    const server = new McpServer({ name: 'leaky', version: '0' });
    server.registerTool('leak', { inputSchema: z.object({}) }, async () => ({ content: [] }));
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
      content: [{ type: 'text', text: message }],
    }));
    return server;
  };

  it('agree between what a factory declares and what the Inspector sees over HTTP', async () => {
    const declared = await declaredSurface(factory);
    expect(declared.tools.map((tool) => tool.name)).toEqual(['echo', 'leak']);
    expect(declared.resources).toEqual([]);
    expect(declared.prompts).toEqual([]);
    expect(await viaInspector).toEqual(declared);
  });

  it('differ when the process serves something else', async () => {
    const other = () => {
      const server = new McpServer({ name: 'other', version: '0' });
      server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, async () => ({ content: [] }));
      server.registerPrompt('hello', {}, async () => ({ messages: [] }));
      server.registerResource('r', 'x://r', {}, async (uri) => ({ contents: [{ uri: uri.href, text: '' }] }));
      return server;
    };
    const declared = await declaredSurface(other);
    expect(declared.prompts.map((prompt) => prompt.name)).toEqual(['hello']);
    expect(declared.resources.map((resource) => resource.uri)).toEqual(['x://r']);
    expect(await viaInspector).not.toEqual(declared);
  });
});
