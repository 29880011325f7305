import { standardChain } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, type ServiceDefinition } from '@mcp-fleet/runtime';
import { createServer } from './server';

/** text-tools as either host serves it: `serve()` in main.ts, the Lambda entry in lambda.ts. */
export async function defineService(): Promise<ServiceDefinition> {
  const config = loadConfig({ dir: new URL('../config', import.meta.url) });
  const telemetry = createTelemetry('text-tools', config);
  const middleware = standardChain({
    logger: telemetry.logger,
    // `wait` may legitimately take its full 60 s.
    timeout: { ms: 10_000, overrides: { wait: 61_000 } },
  });
  return { name: 'text-tools', config, ...telemetry, factory: () => createServer({ middleware }) };
}
