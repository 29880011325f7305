import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { listeningPort, startDaemon } from './daemon';
import { waitUntil } from './wait-until';

/** An alert as Alertmanager's API v2 shows it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  receivers: { name: string }[];
}

export interface RunningAlertmanager {
  url: string;
  /** host:port, as Prometheus's alerting configuration names it. */
  address: string;
  /** The alerts it holds now, inhibited ones included. */
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

/**
 * Starts Debian's real Alertmanager (package `prometheus-alertmanager`) on a free loopback port, alone (no
 * cluster port), with `config` as its configuration file; resolves once it answers as ready.
 */
export async function startAlertmanager(options: { config: object; startTimeoutMs?: number }): Promise<RunningAlertmanager> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const { port, stop } = await startDaemon({
    name: 'alertmanager',
    commands: ['prometheus-alertmanager', 'alertmanager'],
    install: 'apt-get install --no-install-recommends prometheus-alertmanager',
    prepare: (dir) => writeFileSync(join(dir, 'alertmanager.yml'), stringify(options.config, { lineWidth: 0 })),
    args: (dir) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      '--cluster.listen-address=',
    ],
    readPort: () => listeningPort,
    timeoutMs,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok, { what: 'alertmanager ready', timeoutMs });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    address: `127.0.0.1:${port}`,
    alerts: async () => {
      const response = await fetch(`${url}/api/v2/alerts?inhibited=true&silenced=true&unprocessed=true`);
      if (!response.ok) throw new Error(`alertmanager /api/v2/alerts: ${response.status} ${await response.text()}`);
      return (await response.json()) as AlertmanagerAlert[];
    },
    stop,
  };
}

/** One notification a webhook receiver got: Alertmanager's webhook payload (version 4). */
export interface WebhookNotification {
  receiver: string;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export interface WebhookReceiver {
  /** Where Alertmanager posts, for `path` (one receiver, several paths). */
  url(path: string): string;
  /** What arrived on each path, in order, each with the time it arrived (performance.now()). */
  received: Map<string, (WebhookNotification & { at: number })[]>;
  close(): Promise<void>;
}

/** A webhook receiver on loopback, as a pager's or a chat's endpoint would be: it keeps what it is sent (up to 1,000 each). */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received = new Map<string, (WebhookNotification & { at: number })[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1_048_576) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = (req.url ?? '/').split('?', 1)[0]!;
      const list = received.get(path) ?? [];
      received.set(path, list);
      try {
        if (list.length < 1_000)
          list.push({ ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification), at: performance.now() });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end('not a JSON webhook payload');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
