import { randomBytes } from 'node:crypto';
import { standardChain } from '@mcp-fleet/middleware';
import { createRequestStateCodec } from '@modelcontextprotocol/server';
import { createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { createConformanceServer } from './server';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('conformance', config);
  const middleware = standardChain({ logger: telemetry.logger, timeout: { ms: 10_000 } });
  // One process serves every round of a flow here, so a key of its own is enough.
  const requestState = createRequestStateCodec<Record<string, unknown>>({ key: randomBytes(32) });
  await serve(() => createConformanceServer({ middleware, requestState }), { name: 'conformance', config, ...telemetry });
});
