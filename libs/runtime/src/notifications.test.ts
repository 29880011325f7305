import { access, type Caller } from '@mcp-fleet/middleware';
import { Client, StreamableHTTPClientTransport, type ServerNotification } from '@modelcontextprotocol/client';
import { InMemoryServerEventBus, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import { runtimeConfigSchema } from './config';
import { createLogger } from './logger';
import { AUDIENCE_META_KEY, notifierOf } from './notifications';
import { serve, type RunningService } from './serve';

// subscriptions/listen on the runtime (2026-07-28): the SDK's listen router on the service's bus, and each stream
// told only what its caller may know.
const running: RunningService[] = [];
afterEach(async () => {
  for (const service of running.splice(0)) await service.shutdown('test over');
});

const caller = (id: string): Caller => ({ id, scopes: [], claims: {} });

async function start(http: { maxSubscriptions?: number } = {}) {
  const bus = new InMemoryServerEventBus();
  const service = await serve(
    () => {
      const server = new McpServer(
        { name: 'notes', version: '0' },
        { capabilities: { resources: { subscribe: true, listChanged: true } } },
      );
      server.registerResource(
        'note',
        new ResourceTemplate('notes://{id}', { list: undefined }),
        { _meta: access({ scopes: ['notes:read'] }) },
        (uri) => ({ contents: [{ uri: uri.href, text: '' }] }),
      );
      return server;
    },
    {
      name: 'notes',
      config: runtimeConfigSchema.parse({ port: 0, http }),
      handleSignals: false,
      logger: createLogger({ service: 'notes', level: 'silent' }),
      authenticate: async (token) => ({ token, clientId: token, scopes: ['notes:read'] }),
      bus,
    },
  );
  running.push(service);
  return { url: service.url!, notify: notifierOf(bus), service };
}

/** A v2 client of `user` listening for notes 1 and 2 and list changes; what it hears. */
async function listener(url: string, user?: string) {
  const client = new Client({ name: user ?? 'anonymous', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  const heard: ServerNotification[] = [];
  client.setNotificationHandler('notifications/resources/updated', (notification) => void heard.push(notification));
  client.setNotificationHandler('notifications/resources/list_changed', (notification) => void heard.push(notification));
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: user ? { headers: { authorization: `Bearer ${user}` } } : {} }),
  );
  const subscription = await client.listen({ resourceSubscriptions: ['notes://1', 'notes://2'], resourcesListChanged: true });
  return { client, heard, subscription };
}

const until = async (condition: () => boolean) => {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 10_000) throw new Error('the notification never came');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('change notifications on the runtime', () => {
  it('tells each listening stream only what its caller may know, and the unaddressed to all, without the audience', async () => {
    const { url, notify } = await start();
    const [alice, bob, anonymous] = [await listener(url, 'alice'), await listener(url, 'bob'), await listener(url)];
    expect(alice.subscription.honoredFilter).toMatchObject({
      resourceSubscriptions: ['notes://1', 'notes://2'],
      resourcesListChanged: true,
    });

    notify.resourceUpdated('notes://1', caller('alice'));
    notify.resourcesChanged([caller('alice'), caller('carol')]);
    notify.resourceUpdated('notes://2');
    await until(() => alice.heard.length === 3 && bob.heard.length > 0 && anonymous.heard.length > 0);
    const seen = (heard: ServerNotification[]) =>
      heard.map((notification) => `${notification.method} ${(notification.params as { uri?: string } | undefined)?.uri ?? ''}`.trim());
    expect(seen(alice.heard)).toEqual([
      'notifications/resources/updated notes://1',
      'notifications/resources/list_changed',
      'notifications/resources/updated notes://2',
    ]);
    // A stream's events keep their order: had the others reached bob, they would have come first.
    expect(seen(bob.heard)).toEqual(['notifications/resources/updated notes://2']);
    expect(seen(anonymous.heard)).toEqual(['notifications/resources/updated notes://2']);
    for (const notification of alice.heard) expect(JSON.stringify(notification)).not.toContain(AUDIENCE_META_KEY);
    for (const { client } of [alice, bob, anonymous]) await client.close();
  });

  it('ends every open stream gracefully when the service shuts down, so the client listens again elsewhere', async () => {
    const { url, service } = await start();
    const alice = await listener(url, 'alice');
    await service.shutdown('test over');
    running.splice(running.indexOf(service), 1);
    expect(await alice.subscription.closed).toBe('graceful');
    await alice.client.close();
  });

  it('opens no more streams than http.maxSubscriptions, counts them in mcp_subscriptions_open, and stays ready at the limit', async () => {
    const { url } = await start({ maxSubscriptions: 2 });
    const base = new URL(url).origin;
    const open = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^mcp_subscriptions_open\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    };
    const [alice, bob] = [await listener(url, 'alice'), await listener(url, 'bob')];
    expect(await open()).toBe(2);
    await expect(listener(url, 'carol')).rejects.toThrow(/Subscription limit reached/);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    await alice.client.close();
    for (let waited = 0; (await open()) !== 1; waited += 20) {
      if (waited > 10_000) throw new Error('the closed stream was never counted out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const carol = await listener(url, 'carol');
    expect(await open()).toBe(2);
    for (const { client } of [bob, carol]) await client.close();
  });
});
