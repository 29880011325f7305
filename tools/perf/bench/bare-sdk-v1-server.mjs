// Bench variants (k) and (m): the echo tool on the bare SDK v1 in its documented stateless pattern (a new McpServer and
// StreamableHTTPServerTransport without session ids per request, on node:http): the 2025 era's baseline, what a
// server written for 2025-era clients runs without our runtime.
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const mcp = new McpServer({ name: 'bare-sdk-v1', version: '0' });
  mcp.registerTool('echo', { inputSchema: { message: z.string() } }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  // Variant (m): a large server, each extra tool with a schema of its own, as in (e).
  for (let i = 0; i < Number(process.env.BENCH_EXTRA_TOOLS ?? 0); i++) {
    mcp.registerTool(
      `extra_${i}`,
      { description: `Extra tool ${i}.`, inputSchema: { value: z.string(), [`field_${i}`]: z.number().optional() } },
      async ({ value }) => ({ content: [{ type: 'text', text: value }] }),
    );
  }
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    void transport.close();
    void mcp.close();
  });
  await mcp.connect(transport);
  await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}/mcp` })),
);
