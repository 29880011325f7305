// Bench variant (a): the echo tool on the bare SDK v2, in its documented stateless pattern —
// createMcpHandler + toNodeHandler on node:http, no runtime, no middleware, no logs.
import http from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

const serve = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'bare-sdk', version: '0' });
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
      content: [{ type: 'text', text: message }],
    }));
    // Variants (e)-(g): a large server, each extra tool with a schema of its own.
    for (let i = 0; i < Number(process.env.BENCH_EXTRA_TOOLS ?? 0); i++) {
      server.registerTool(
        `extra_${i}`,
        { description: `Extra tool ${i}.`, inputSchema: z.object({ value: z.string(), [`field_${i}`]: z.number().optional() }) },
        async ({ value }) => ({ content: [{ type: 'text', text: value }] }),
      );
    }
    return server;
  }),
);
const server = http.createServer((req, res) => void serve(req, res));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(0, '127.0.0.1', () =>
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${server.address().port}/mcp` })),
);
