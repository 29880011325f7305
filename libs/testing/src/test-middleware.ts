import { standardChain, type Middleware, type StandardChainOptions } from '@mcp-fleet/middleware';
import { createLogger } from '@mcp-fleet/runtime';
import { Registry } from 'prom-client';

export interface TestMiddleware {
  /** The production chain (standardChain), writing to the two below. */
  middleware: Middleware[];
  /** Every log line the chain wrote, parsed. */
  logs: Record<string, unknown>[];
  registry: Registry;
}

/** The standard chain as a service runs it, with its logs kept in memory and a registry of its own. */
export function createTestMiddleware(options: Omit<StandardChainOptions, 'logger' | 'registry'> = {}): TestMiddleware {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'test', level: 'debug', destination: { write: (line: string) => logs.push(JSON.parse(line)) } });
  const registry = new Registry();
  return { middleware: standardChain({ ...options, logger, registry }), logs, registry };
}
