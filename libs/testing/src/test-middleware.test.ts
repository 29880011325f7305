import { withMiddleware } from '@mcp-fleet/middleware';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createTestClient } from './test-client';
import { createTestMiddleware } from './test-middleware';

describe('createTestMiddleware', () => {
  it('runs the production chain, keeping its log lines in memory', async () => {
    const chain = createTestMiddleware({ auth: true });
    const factory = () => {
      const server = withMiddleware(new McpServer({ name: 't', version: '0' }), chain.middleware);
      server.registerTool('private', { inputSchema: z.object({}) }, async () => ({ content: [] }));
      return server;
    };
    const { client, close } = await createTestClient(factory);
    expect((await client.callTool({ name: 'private', arguments: {} })).isError).toBe(true);
    await close();
    expect(chain.logs).toContainEqual(expect.objectContaining({ msg: 'call', name: 'private', outcome: 'refused', service: 'test' }));
  });
});
