import { standardChain } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, serve, startService } from '@mcp-fleet/runtime';
import { createServer } from './server';

await startService(async () => {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('text-tools', config);
  const middleware = standardChain({
    logger: telemetry.logger,
    // `wait` may legitimately take its full 60 s.
    timeout: { ms: 10_000, overrides: { wait: 61_000 } },
  });
  await serve(() => createServer({ middleware }), { name: 'text-tools', config, ...telemetry });
});
