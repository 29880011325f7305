import { connectHttpClient, LatencyHistogram, startServerProcess, waitUntil, type ServerProcess } from '@mcp-fleet/testing';
import type { Client, ServerNotification } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from './support/databases';

// Three replicas of documents on one PostgreSQL, as the HPA runs them: a change made through any one reaches the
// listeners of every one (LISTEN/NOTIFY), and only its owner's. Real processes, the SDK v2 client's listen API.
const SECRET = 'replicas-secret-that-is-at-least-32-characters';
const postgres = testDatabases().find((database) => database.name === 'postgres');

describe.runIf(postgres)('documents on three replicas sharing PostgreSQL', () => {
  let replicas: ServerProcess[];
  const clients: Client[] = [];
  beforeAll(async () => {
    const env = { AUTH__SECRET: SECRET, DATABASE_URL: await postgres!.url() };
    replicas = await Promise.all([1, 2, 3].map(() => startServerProcess({ app: 'documents', env, keepLogs: false })));
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    await postgres?.drop();
  });

  /** A v2 client of `username` on `replica`, with what it hears of document updates. */
  async function signedIn(replica: ServerProcess, username: string) {
    const anonymous = await connectHttpClient(replica.url, { name: 'login' });
    const login = await anonymous.callTool({ name: 'login', arguments: { username, password: 'password' } });
    await anonymous.close();
    const client = await connectHttpClient(replica.url, {
      token: (login.structuredContent as { access_token: string }).access_token,
      name: username,
    });
    clients.push(client);
    const heard: { uri: string; at: number }[] = [];
    client.setNotificationHandler('notifications/resources/updated', (notification: ServerNotification) => {
      heard.push({ uri: (notification.params as { uri: string }).uri, at: performance.now() });
    });
    return { client, heard };
  }

  const until = (condition: () => boolean, what: string) => waitUntil(condition, { what, timeoutMs: 10_000, everyMs: 1 });

  it("tells a listener on #1 of each update made through #3, within a second, and the other user's listener nothing", async () => {
    const alice = await signedIn(replicas[0]!, 'testuser');
    const bob = await signedIn(replicas[0]!, 'otheruser');
    const writer = await signedIn(replicas[2]!, 'testuser');
    const { id } = (await writer.client.callTool({ name: 'create_document', arguments: { title: 'shared', content: '' } }))
      .structuredContent as { id: string };
    const uri = `documents://${id}`;
    await alice.client.listen({ resourceSubscriptions: [uri] });
    // Bob names alice's document: the SDK would deliver by that filter alone; the runtime tells him nothing.
    await bob.client.listen({ resourceSubscriptions: [uri] });

    const updates = 1_000;
    const delays = new LatencyHistogram();
    for (let version = 1; version <= updates; version++) {
      const sent = performance.now();
      await writer.client.callTool({ name: 'update_document', arguments: { id, content: String(version), version } });
      await until(() => alice.heard.length === version, `update ${version} reaching the listener`);
      delays.record(alice.heard[version - 1]!.at - sent);
    }
    const { median, p99, max } = delays.summary();
    process.stdout.write(
      `documents replicas: ${updates} updates through #3 heard on #1: p50 ${median.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms\n`,
    );
    expect(alice.heard.every((event) => event.uri === uri)).toBe(true);
    expect(p99).toBeLessThan(1_000);
    expect(bob.heard).toEqual([]);
  });

  it('loses nothing for a listener on #1 when #2 is killed mid-stream', async () => {
    const alice = await signedIn(replicas[0]!, 'testuser');
    const writer = await signedIn(replicas[2]!, 'testuser');
    const { id } = (await writer.client.callTool({ name: 'create_document', arguments: { title: 'killed', content: '' } }))
      .structuredContent as { id: string };
    await alice.client.listen({ resourceSubscriptions: [`documents://${id}`] });
    const onTwo = await signedIn(replicas[1]!, 'testuser');
    await onTwo.client.listen({ resourceSubscriptions: [`documents://${id}`] });
    for (let version = 1; version <= 50; version++) {
      if (version === 25) await replicas[1]!.stop('SIGKILL');
      await writer.client.callTool({ name: 'update_document', arguments: { id, content: String(version), version } });
    }
    await until(() => alice.heard.length === 50, 'all 50 updates reaching the listener on #1');
    expect(alice.heard).toHaveLength(50);
  });

  it("ends the listener's stream when its replica gets SIGTERM; listening again on another, it misses nothing published after", async () => {
    const writer = await signedIn(replicas[2]!, 'testuser');
    const { id } = (await writer.client.callTool({ name: 'create_document', arguments: { title: 'drained', content: '' } }))
      .structuredContent as { id: string };
    const uri = `documents://${id}`;
    const update = (version: number) =>
      writer.client.callTool({ name: 'update_document', arguments: { id, content: String(version), version } });
    const before = await signedIn(replicas[0]!, 'testuser');
    const first = await before.client.listen({ resourceSubscriptions: [uri] });
    await update(1);
    await until(() => before.heard.length === 1, 'the first update reaching the listener on #1');

    const stopped = replicas[0]!.stop('SIGTERM');
    expect(await first.closed).toBe('graceful');
    expect((await stopped).code).toBe(0);
    const after = await signedIn(replicas[2]!, 'testuser');
    await after.client.listen({ resourceSubscriptions: [uri] });
    for (let version = 2; version <= 21; version++) await update(version);
    await until(() => after.heard.length === 20, 'the 20 updates after the reconnect reaching the listener on #3');
    expect(after.heard.every((event) => event.uri === uri)).toBe(true);
  });
});
