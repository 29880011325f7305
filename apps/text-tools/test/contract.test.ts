import {
  createTestMiddleware,
  declaredSurface,
  runInspector,
  startServerProcess,
  surfaceViaInspector,
  type ServerProcess,
} from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/server';

describe('text-tools contract, through the MCP Inspector CLI', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: 'text-tools' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists exactly the tools, resources and prompts the app declares', async () => {
    const declared = await declaredSurface(() => createServer({ middleware: createTestMiddleware().middleware }));
    expect(declared.tools.map((tool) => tool.name)).toEqual(['calculate_sum', 'echo', 'format_text', 'wait']);
    expect(await surfaceViaInspector(server.url)).toEqual(declared);
  });

  it("calls calculate_sum and gets the seed's 15", async () => {
    const result = await runInspector(server.url, [
      '--method',
      'tools/call',
      '--tool-name',
      'calculate_sum',
      '--tool-arg',
      'numbers=[1,2,3,4,5]',
    ]);
    expect(result).toMatchObject({ structuredContent: { sum: 15 } });
  });
});
