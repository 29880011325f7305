// Bench variants (b) and (c): the same echo tool as (a), hosted by our runtime behind the full default chain
// (logging, errors, auth, rate limit, timeout). Built by build-app like any app.
import { access, createTokenVerifier, standardChain, textResult, withMiddleware, type TokenOptions } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { McpServer, type McpRequestContext } from '@modelcontextprotocol/server';
import * as z from 'zod';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('bench-echo', config);
  const middleware = standardChain({
    logger: telemetry.logger,
    auth: true,
    // A bucket the bench cannot empty: the limiter's cost is measured, not its refusals.
    rateLimit: { points: 1e9, durationSec: 1 },
    timeout: { ms: 10_000 },
  });
  // Variant (i): a factory that builds per principal (it reads ctx.authInfo), as one that filters tools by caller does.
  const perPrincipal = process.env.BENCH_PER_PRINCIPAL === 'true';
  // Variant (n): tokens checked on every call (the bench's BENCH_TOKEN settings), and echo requiring a scope.
  const tokens = process.env.BENCH_TOKEN ? (JSON.parse(process.env.BENCH_TOKEN) as TokenOptions & { scope: string }) : undefined;
  const echoAccess = access(tokens ? { scopes: [tokens.scope] } : { public: true });
  const createServer = (ctx: McpRequestContext) => {
    if (perPrincipal) void ctx.authInfo;
    const server = withMiddleware(new McpServer({ name: 'bench-echo', version: '0' }), middleware);
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }), _meta: echoAccess }, async ({ message }) =>
      textResult(message),
    );
    // Variants (f) and (g): a large server, each extra tool with a schema of its own.
    for (let i = 0; i < Number(process.env.BENCH_EXTRA_TOOLS ?? 0); i++) {
      const inputSchema = z.object({ value: z.string(), [`field_${i}`]: z.number().optional() });
      server.registerTool(
        `extra_${i}`,
        { description: `Extra tool ${i}.`, inputSchema, _meta: access({ public: true }) },
        async ({ value }) => textResult(String(value)),
      );
    }
    return server;
  };
  await serve(createServer, { name: 'bench-echo', config, ...telemetry, authenticate: tokens && createTokenVerifier(tokens) });
});
