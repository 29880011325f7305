import { standardChain, type Middleware, type StandardChainOptions } from '@mcp-fleet/middleware';
import { createLogger } from '@mcp-fleet/runtime';

export interface TestMiddleware {
  /** The production chain (standardChain), writing its log lines below. */
  middleware: Middleware[];
  /** Every log line the chain wrote, parsed. */
  logs: Record<string, unknown>[];
}

/** The standard chain as a service runs it, with its logs kept in memory. */
export function createTestMiddleware(options: Omit<StandardChainOptions, 'logger'> = {}): TestMiddleware {
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'test', level: 'debug', destination: { write: (line: string) => logs.push(JSON.parse(line)) } });
  return { middleware: standardChain({ ...options, logger }), logs };
}
