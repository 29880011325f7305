import { runtimeConfigSchema, serve, type RunningService } from '@mcp-fleet/runtime';
import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { containerEnv, mcpChecks, smokeSummaryHeader, smokeSummaryRow } from './smoke';

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test over')));
});

/** A real service on our runtime, named `name`, with the tools given. */
async function start(name: string, tools: string[]): Promise<string> {
  const factory = () => {
    const server = new McpServer({ name, version: '1.2.3' });
    for (const tool of tools) server.registerTool(tool, { inputSchema: z.object({}) }, async () => ({ content: [] }));
    return server;
  };
  const service = await serve(factory, { name, config: runtimeConfigSchema.parse({ port: 0, logLevel: 'silent' }), handleSignals: false });
  running.push(service);
  return service.url!;
}

describe('mcpChecks', () => {
  it('sends initialize and tools/list as a 2025-era client and returns the answers', async () => {
    expect(await mcpChecks(await start('weather', ['forecast', 'alerts']), 'weather')).toEqual({
      server: 'weather',
      version: '1.2.3',
      tools: ['forecast', 'alerts'],
    });
  });

  it('fails when another app answers, or one without tools', async () => {
    await expect(mcpChecks(await start('weather', ['forecast']), 'billing')).rejects.toThrow(
      /^initialize answered as "weather", not billing: is http:\/\/\S+ the right app\?$/,
    );
    await expect(mcpChecks(await start('empty', []), 'empty')).rejects.toThrow(/^tools\/list (failed|answered no tools)/);
  });

  it('fails naming the HTTP status of a refused request', async () => {
    const url = await start('weather', ['forecast']);
    await expect(mcpChecks(url.replace(/\/mcp$/, '/nope'), 'weather')).rejects.toThrow(/^initialize answered HTTP 404: /);
  });
});

const deployment = (env: object[]) => [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ env }] } } } },
];
const secret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: 'x-secrets', key: name.toLowerCase() } } });

describe('containerEnv', () => {
  it("gives PORT, the Deployment's plain values with the loopback hosts, the database URL, and every other Secret-backed variable a throwaway value", () => {
    const plain = [
      { name: 'SHUTDOWN__GRACE_MS', value: '25000' },
      { name: 'HTTP__ALLOWED_HOSTS', value: 'x.example.com' },
    ];
    const lines = containerEnv('x', deployment([secret('DATABASE_URL'), secret('AUTH__SECRET'), ...plain]), {
      port: 8080,
      databaseUrl: 'postgres://db/x',
    });
    expect(lines.slice(0, 4)).toEqual([
      'PORT=8080',
      'SHUTDOWN__GRACE_MS=25000',
      'HTTP__ALLOWED_HOSTS=x.example.com,localhost,127.0.0.1',
      'DATABASE_URL=postgres://db/x',
    ]);
    expect(lines[4]).toMatch(/^AUTH__SECRET=[0-9a-f]{48}$/);
    expect(lines).toHaveLength(5);
  });

  it('refuses an app that needs a database without one, and manifests without a Deployment', () => {
    expect(() => containerEnv('x', deployment([secret('DATABASE_URL')]), { port: 8080 })).toThrow(
      'x needs DATABASE_URL (its Deployment takes it from a Secret); pass --database-url postgres://…',
    );
    expect(() => containerEnv('x', [], { port: 8080 })).toThrow('x: its production overlay renders no Deployment');
  });
});

describe('smokeSummaryRow', () => {
  it('writes one Markdown row under the header, with the image size when known', () => {
    const answers = { server: 'x', version: '1.0.0', tools: ['a', 'b'] };
    expect(smokeSummaryHeader[2]).toBe('| app | image size | ready in | initialize | tools/list |');
    expect(smokeSummaryRow('x', answers, 1.234, 98_765_432)).toBe('| x | 98.8 MB | 1.2 s | x 1.0.0 | 2 (a, b) |');
    expect(smokeSummaryRow('x', answers, 0.5)).toBe('| x | – | 0.5 s | x 1.0.0 | 2 (a, b) |');
  });
});
