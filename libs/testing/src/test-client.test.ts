import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createTestClient } from './test-client';

const factory = ({ era }: { era: string }) => {
  const server = new McpServer({ name: 'probe', version: '1.0.0' });
  server.registerTool('era', { inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: era }] }));
  server.registerTool('whoami', { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: 'text', text: ctx.http?.authInfo?.clientId ?? 'anonymous' }],
  }));
  return server;
};

describe('createTestClient', () => {
  it.each(['modern', 'legacy'] as const)('connects in the %s era and calls through the real protocol', async (era) => {
    const { client, close, protocolVersion } = await createTestClient(factory, { era });
    expect(protocolVersion).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
    expect((await client.callTool({ name: 'era', arguments: {} })).content).toEqual([{ type: 'text', text: era }]);
    await close();
  });

  it.each(['modern', 'legacy'] as const)(
    'hands authInfo to handlers in the %s era, as a verified token over HTTP would be',
    async (era) => {
      const { client, close } = await createTestClient(factory, { era, authInfo: { token: 't', clientId: 'user-7', scopes: [] } });
      expect((await client.callTool({ name: 'whoami', arguments: {} })).content).toEqual([{ type: 'text', text: 'user-7' }]);
      await close();
    },
  );

  it('defaults to the 2026-07-28 era', async () => {
    const { close, era, protocolVersion } = await createTestClient(factory);
    expect({ era, protocolVersion }).toEqual({ era: 'modern', protocolVersion: '2026-07-28' });
    await close();
  });
});
