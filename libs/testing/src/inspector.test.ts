import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInspector } from './inspector';
import { startServerProcess, type ServerProcess } from './server-process';

let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({ app: join(import.meta.dirname, '..', 'test', 'fixtures', 'leaky-server.mjs') });
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
    await expect(runInspector(server.url, ['--method', 'no/such/method'])).rejects.toThrow(/the Inspector exited 1 for --method no\/such\/method/);
  });
});
