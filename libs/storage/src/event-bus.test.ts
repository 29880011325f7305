import type { ServerEvent } from '@modelcontextprotocol/server';
import { startTcpProxy, waitUntil, type TcpProxy } from '@mcp-fleet/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestDatabase } from '../testing/postgres';
import { GAP_EVENTS, postgresEventBus, serviceEventBus, type PostgresEventBus } from './event-bus';

// Replicas of a service in one test process: each bus has its own connections, as each replica would.
const url = process.env.DATABASE_URL;
const database = url ? postgresTestDatabase(url, { service: 'events', migrations: [] }) : undefined;

describe.runIf(database)('postgresEventBus on PostgreSQL', () => {
  let databaseUrl: string;
  const buses: PostgresEventBus[] = [];
  const proxies: TcpProxy[] = [];
  beforeAll(async () => {
    databaseUrl = await database!.url();
  });
  afterAll(async () => {
    for (const bus of buses) await bus.close();
    for (const proxy of proxies) await proxy.close();
    await database!.drop();
  });
  const open = async (service = 'notes', through = databaseUrl, settings: Partial<Parameters<typeof postgresEventBus>[0]> = {}) => {
    const bus = await postgresEventBus({ url: through, service, backoff: { minMs: 20, maxMs: 200 }, ...settings });
    buses.push(bus);
    const heard: ServerEvent[] = [];
    bus.subscribe((event) => heard.push(event));
    return { bus, heard };
  };
  const updated = (uri: string, extra: Record<string, unknown> = {}): ServerEvent => ({
    kind: 'resource_updated',
    uri,
    params: { uri, ...extra },
  });

  it("tells every replica's listeners once, the publisher's at once, and no other service", async () => {
    const [one, two, other] = [await open(), await open(), await open('billing')];
    one.bus.publish(updated('notes://1'));
    expect(one.heard).toEqual([updated('notes://1')]);
    await waitUntil(() => two.heard.length === 1, { what: 'the event reaching the second replica' });
    expect(two.heard).toEqual([updated('notes://1')]);
    two.bus.publish(updated('notes://2'));
    await waitUntil(() => one.heard.length === 2, { what: 'the event reaching the first replica' });
    // Its own NOTIFY comes back to each replica too; it is not delivered again.
    one.bus.publish(updated('notes://3'));
    await waitUntil(() => two.heard.length === 3, { what: 'the third event' });
    expect(one.heard.map((event) => (event as { uri: string }).uri)).toEqual(['notes://1', 'notes://2', 'notes://3']);
    expect(two.heard.map((event) => (event as { uri: string }).uri)).toEqual(['notes://1', 'notes://2', 'notes://3']);
    expect(other.heard).toEqual([]);
  });

  it('sends an event past NOTIFY’s 8,000 bytes by reference, whole', async () => {
    const [one, two] = [await open('big'), await open('big')];
    const large = updated('notes://big', { _meta: { note: 'x'.repeat(20_000) } });
    one.bus.publish(large);
    await waitUntil(() => two.heard.length === 1, { what: 'the large event' });
    expect(two.heard).toEqual([large]);
  });

  it('keeps what is published while PostgreSQL is away, sends it when it is back, in order, and lets one bad listener not stop the rest', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(databaseUrl).port || 5432) });
    proxies.push(proxy);
    const through = new URL(databaseUrl);
    through.port = String(proxy.port);
    const [away, other] = [await open('queue', through.href), await open('queue')];
    away.bus.subscribe(() => {
      throw new Error('a listener that fails');
    });
    const unsubscribed: ServerEvent[] = [];
    other.bus.subscribe((event) => unsubscribed.push(event))();
    await proxy.cut();
    away.bus.publish(updated('notes://a'));
    away.bus.publish(updated('notes://b'));
    expect(away.heard.map((event) => (event as { uri: string }).uri)).toEqual(['notes://a', 'notes://b']);
    await proxy.restore();
    await waitUntil(() => other.heard.some((event) => (event as { uri?: string }).uri === 'notes://b'), { what: 'the queued events' });
    expect(other.heard.filter((event) => event.kind === 'resource_updated').map((event) => (event as { uri: string }).uri)).toEqual([
      'notes://a',
      'notes://b',
    ]);
    expect(unsubscribed).toEqual([]);
  });

  it('drops the oldest of too many events kept while PostgreSQL is away, and then tells every replica to read again', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(databaseUrl).port || 5432) });
    proxies.push(proxy);
    const through = new URL(databaseUrl);
    through.port = String(proxy.port);
    const [away, other] = [await open('overflow', through.href, { maxQueued: 2 }), await open('overflow')];
    await proxy.cut();
    for (const n of [1, 2, 3, 4]) away.bus.publish(updated(`notes://${n}`));
    await proxy.restore();
    await waitUntil(() => other.heard.length === 2 + GAP_EVENTS.length, { what: 'the kept events and the gap' });
    expect(other.heard).toEqual([updated('notes://3'), updated('notes://4'), ...GAP_EVENTS]);
  });

  it('ignores what is not its own message on its channel, and fails at start when PostgreSQL cannot be reached', async () => {
    const { heard } = await open('noise');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`select pg_notify('mcp_events_noise', 'not json'), pg_notify('mcp_events_noise', '{"o":"someone"}')`);
    await client.end();
    const [witness] = [await open('noise')];
    (await open('noise')).bus.publish(updated('notes://after-noise'));
    await waitUntil(() => witness.heard.length === 1 && heard.length === 1, { what: 'the event after the noise' });
    expect(heard).toEqual([updated('notes://after-noise')]);
    const nowhere = new URL(databaseUrl);
    nowhere.port = '1';
    await expect(postgresEventBus({ url: nowhere.href, service: 'nowhere' })).rejects.toThrow();
  });

  it("is a service's bus over its PostgreSQL in a process, and its own in a function or without a database", async () => {
    const logger = { warn: () => undefined, info: () => undefined };
    const shared = await serviceEventBus({ config: { databaseUrl }, service: 'svc', host: 'process', logger });
    buses.push(shared as PostgresEventBus);
    expect((shared as PostgresEventBus).listening).toBe(true);
    for (const config of [{ databaseUrl }, {}]) {
      const own = await serviceEventBus({ config, service: 'svc', host: config.databaseUrl ? 'lambda' : 'process', logger });
      expect('listening' in own).toBe(false);
      await own.close();
    }
  });

  it('reconnects after its connection is cut, tells its listeners to read again, and hears what comes after', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(databaseUrl).port || 5432) });
    proxies.push(proxy);
    const through = new URL(databaseUrl);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    const states: string[] = [];
    const [publisher, cut] = [await open('gap'), await open('gap', through.href, { onConnection: (state) => states.push(state) })];
    await proxy.cut();
    // Lost, then at least one attempt to come back refused while the database stays away.
    await waitUntil(() => states.filter((state) => state === 'lost').length >= 2, { what: 'a reconnect refused during the cut' });
    expect(cut.bus.listening).toBe(false);
    publisher.bus.publish(updated('notes://during'));
    await proxy.restore();
    await waitUntil(() => cut.bus.listening, { what: 'the bus listening again' });
    expect(cut.heard).toEqual(GAP_EVENTS);
    expect(states.at(-1)).toBe('restored');
    publisher.bus.publish(updated('notes://after'));
    await waitUntil(() => cut.heard.length === GAP_EVENTS.length + 1, { what: 'the event after the gap' });
    expect(cut.heard.at(-1)).toEqual(updated('notes://after'));
  });
});
