import { rateLimitConfigSchema, standardChain } from '@mcp-fleet/middleware';
import { createTelemetry, loadConfig, type ServiceDefinition } from '@mcp-fleet/runtime';
import * as z from 'zod';
import { createServer } from './server';

/** text-tools' own config keys, beside the runtime's. */
export const configSchema = z.object({ rateLimit: rateLimitConfigSchema });

/** text-tools as either host serves it: `serve()` in main.ts, the Lambda entry in lambda.ts. */
export async function defineService(): Promise<ServiceDefinition> {
  const config = loadConfig({ dir: new URL('../config', import.meta.url), schema: configSchema });
  const telemetry = createTelemetry('text-tools', config);
  const middleware = standardChain({
    logger: telemetry.logger,
    // The fleet's limit per caller: `wait` holds a call for up to 60 s, so calls are not free to make.
    rateLimit: config.rateLimit,
    // `wait` may legitimately take its full 60 s.
    timeout: { ms: 10_000, overrides: { wait: 61_000 } },
  });
  return { name: 'text-tools', config, ...telemetry, factory: () => createServer({ middleware }) };
}
