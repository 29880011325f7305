import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createTestClient } from './test-client';

const factory = ({ era }: { era: string }) => {
  const server = new McpServer({ name: 'probe', version: '1.0.0' });
  server.registerTool('era', { inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: era }] }));
  return server;
};

describe('createTestClient', () => {
  it.each(['modern', 'legacy'] as const)('connects in the %s era and calls through the real protocol', async (era) => {
    const { client, close } = await createTestClient(factory, { era });
    expect(client.getProtocolEra()).toBe(era);
    expect((await client.callTool({ name: 'era', arguments: {} })).content).toEqual([{ type: 'text', text: era }]);
    await close();
  });

  it('defaults to the 2026-07-28 era', async () => {
    const { client, close } = await createTestClient(factory);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    await close();
  });
});
