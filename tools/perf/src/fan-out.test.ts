import { access, textResult } from '@mcp-fleet/middleware';
import { createLogger, notifierOf, runtimeConfigSchema, serve, type RunningService } from '@mcp-fleet/runtime';
import { InMemoryServerEventBus, McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { COUNTER_URI, measureFanOut } from './fan-out';

// Two runtime services sharing one bus, as the bench's replicas share PostgreSQL's (the bus itself is tested in
// storage): what the fan-out measures and when it refuses to.
const running: RunningService[] = [];
afterEach(async () => {
  for (const service of running.splice(0)) await service.shutdown('test over');
});

async function replicas(bus: InMemoryServerEventBus, subscribe: boolean): Promise<string[]> {
  const notify = notifierOf(bus);
  const factory = () => {
    const server = new McpServer({ name: 'bench-echo', version: '0' }, { capabilities: { resources: { subscribe } } });
    server.registerResource('counter', COUNTER_URI, { _meta: access({ public: true }) }, () => ({
      contents: [{ uri: COUNTER_URI, text: '' }],
    }));
    server.registerTool('touch', { _meta: access({ public: true }) }, async () => {
      notify.resourceUpdated(COUNTER_URI);
      return textResult('touched');
    });
    return server;
  };
  for (let i = 0; i < 2; i++) {
    running.push(
      await serve(factory, {
        name: 'bench-echo',
        config: runtimeConfigSchema.parse({ port: 0 }),
        handleSignals: false,
        logger: createLogger({ service: 'bench-echo', level: 'silent' }),
        bus,
      }),
    );
  }
  return running.map((service) => service.url!);
}

describe('the fan-out variant', () => {
  it('times every delivery of every update to every listener, across the replicas', async () => {
    const progress: string[] = [];
    const result = await measureFanOut({
      urls: await replicas(new InMemoryServerEventBus(), true),
      listeners: 20,
      updates: 10,
      say: (line) => progress.push(line),
    });
    expect(result).toMatchObject({ listeners: 20, replicas: 2, updates: 10 });
    const { delivery } = result;
    expect(delivery.min).toBeGreaterThan(0);
    expect(delivery.median).toBeLessThanOrEqual(delivery.p99);
    expect(delivery.p99).toBeLessThanOrEqual(delivery.max);
    expect(progress).toContain('fan-out: 10/10 updates heard by every listener');
  });

  it('refuses replicas that do not honour a subscription to the counter', async () => {
    await expect(
      measureFanOut({ urls: await replicas(new InMemoryServerEventBus(), false), listeners: 2, updates: 1, say: () => undefined }),
    ).rejects.toThrow(`did not honour a subscription to ${COUNTER_URI}`);
  });
});
