import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startLogReader, startPrometheus } from './prometheus';
import { waitUntil } from './wait-until';

let value = 0;
const target = createServer((_req, res) => res.end(`# TYPE demo_value gauge\ndemo_value ${value}\n`)).listen(0, '127.0.0.1');
afterAll(() => new Promise((resolve) => target.close(resolve)));

describe('startPrometheus', () => {
  it('scrapes a loopback target with its labels, evaluates rules, and reports an alert pending, firing and gone', async () => {
    const { port } = target.address() as AddressInfo;
    const prometheus = await startPrometheus({
      jobs: [{ name: 'demo', targets: [`127.0.0.1:${port}`], labels: { service: 'demo' } }],
      rules: { 'demo.yaml': { groups: [{ name: 'demo', rules: [{ alert: 'DemoHigh', expr: 'demo_value > 5', for: '2s' }] }] } },
    });
    try {
      await waitUntil(async () => (await prometheus.query('demo_value{service="demo"}')).length === 1, {
        what: 'the first scrape',
        timeoutMs: 120_000,
        everyMs: 200,
      });
      expect(await prometheus.alerts()).toEqual([]);
      value = 10;
      await waitUntil(async () => (await prometheus.alerts()).some((alert) => alert.state === 'pending'), {
        what: 'DemoHigh pending',
        timeoutMs: 120_000,
        everyMs: 100,
      });
      await waitUntil(async () => (await prometheus.alerts()).some((alert) => alert.state === 'firing'), {
        what: 'DemoHigh firing',
        timeoutMs: 120_000,
        everyMs: 100,
      });
      value = 0;
      await waitUntil(async () => (await prometheus.alerts()).length === 0, {
        what: 'DemoHigh resolved',
        timeoutMs: 120_000,
        everyMs: 100,
      });
    } finally {
      await prometheus.stop();
    }
  });

  it('says what is wrong when the configuration is refused, and leaves no folder behind', async () => {
    // Its own temporary folder for the run, to see that the server's storage went with it.
    const scratch = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = scratch;
    onTestFinished(() => {
      process.env.TMPDIR = previous;
      if (previous === undefined) delete process.env.TMPDIR;
      rmSync(scratch, { recursive: true, force: true });
    });
    await expect(
      startPrometheus({ jobs: [], rules: { 'bad.yaml': { groups: [{ name: 'x', rules: [{ record: 'x', expr: 'sum(' }] }] } } }),
    ).rejects.toThrow(/prometheus exited before it was ready:[\s\S]*bad\.yaml/);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('takes the port once Prometheus has said both where it listens and that it is ready, in either order', () => {
    const listening = 'ts=x caller=tls_config.go:232 level=info component=web msg="Listening on" address=127.0.0.1:36619';
    const ready = 'ts=x caller=main.go:973 level=info msg="Server is ready to receive web requests."';
    const readyFirst = startLogReader();
    expect(readyFirst(ready)).toBeUndefined();
    expect(readyFirst(listening)).toBe(36619);
    const portFirst = startLogReader();
    expect(portFirst(listening)).toBeUndefined();
    expect(portFirst('ts=x level=info msg="Starting rule manager..."')).toBeUndefined();
    expect(portFirst(ready)).toBe(36619);
  });
});
