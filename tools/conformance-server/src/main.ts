import { standardChain } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { createConformanceServer } from './server';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('conformance', config);
  const middleware = standardChain({ logger: telemetry.logger, timeout: { ms: 10_000 } });
  await serve(() => createConformanceServer({ middleware }), { name: 'conformance', config, ...telemetry });
});
