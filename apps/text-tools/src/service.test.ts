import { loadConfig } from '@mcp-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './service';

const load = (MCP_ENV: string) => loadConfig({ dir: new URL('../config', import.meta.url), schema: configSchema, env: { MCP_ENV } });

describe('text-tools config', () => {
  it("limits calls per caller by the fleet's default outside tests", () => {
    for (const environment of ['development', 'production']) expect(load(environment).rateLimit).toEqual({ points: 120, durationSec: 60 });
  });
});
