import { connectHttpClient, LatencyHistogram, waitUntil, type LatencySummary } from '@mcp-fleet/testing';
import type { Client } from '@modelcontextprotocol/client';

/** The resource bench/fan-out-echo's `touch` tool announces an update of, to every listener. */
export const COUNTER_URI = 'bench://counter';

export interface FanOutResult {
  listeners: number;
  replicas: number;
  updates: number;
  /** From sending `touch` to each listener hearing it, over every delivery (listeners × updates). */
  delivery: LatencySummary;
}

/**
 * Spreads `listeners` SDK v2 clients over `urls` (replicas sharing one bus), each listening to COUNTER_URI, then
 * touches it `updates` times through the last replica, one at a time, waiting until every listener has heard
 * each before the next. The delay includes the load process reading a thousand streams, as a client fleet would.
 */
export async function measureFanOut(options: {
  urls: readonly string[];
  listeners: number;
  updates: number;
  say: (line: string) => void;
}): Promise<FanOutResult> {
  const { urls, listeners, updates, say } = options;
  const clients: Client[] = [];
  const heard: number[][] = [];
  try {
    for (let i = 0; i < listeners; i++) {
      const client = await connectHttpClient(urls[i % urls.length]!, { name: `listener-${i}` });
      clients.push(client);
      const times: number[] = [];
      heard.push(times);
      client.setNotificationHandler('notifications/resources/updated', () => void times.push(performance.now()));
      const subscription = await client.listen({ resourceSubscriptions: [COUNTER_URI] });
      if (!subscription.honoredFilter.resourceSubscriptions?.includes(COUNTER_URI))
        throw new Error(`replica ${urls[i % urls.length]} did not honour a subscription to ${COUNTER_URI}`);
      if ((i + 1) % 250 === 0) say(`fan-out: ${i + 1}/${listeners} listeners listening`);
    }
    const writer = await connectHttpClient(urls.at(-1)!, { name: 'writer' });
    clients.push(writer);
    const delivery = new LatencyHistogram();
    for (let update = 1; update <= updates; update++) {
      const sent = performance.now();
      const answer = await writer.callTool({ name: 'touch', arguments: {} });
      if (answer.isError) throw new Error(`touch failed: ${JSON.stringify(answer.content)}`);
      await waitUntil(() => heard.every((times) => times.length >= update), {
        what: `update ${update} reaching all ${listeners} listeners`,
        timeoutMs: 30_000,
        everyMs: 1,
      });
      for (const times of heard) delivery.record(times[update - 1]! - sent);
      if (update % 10 === 0) say(`fan-out: ${update}/${updates} updates heard by every listener`);
    }
    return { listeners, replicas: urls.length, updates, delivery: delivery.summary() };
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  }
}
