// The canary with the real kubectl against kube-fake: pods whose /metrics (the runtime's own registry) count the
// traffic each image is scripted to get, read through the API server's pod proxy or by a real Prometheus.
import { createServer } from 'node:net';
import { startKubeFake, type KubeFake, type Traffic } from '@mcp-fleet/kube-fake';
import { startPrometheus, waitUntil } from '@mcp-fleet/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_SPEED, deployment, service } from '../../test/deployments';
import { canaryName, canaryRelease } from './canary';
import { kubectl } from './kubectl';
import { deployOptions } from './options';

const STABLE = 'r/docs:1';
const NEW = 'r/docs:2';
// In cluster time, which runs 300 times faster: each pod serves thousands of requests in a real second.
const HEALTHY: Traffic = { rps: 20, errorRatio: 0.001, latencySeconds: 0.004 };

let fake: KubeFake;
beforeEach(async () => {
  fake = await startKubeFake({ namespace: 'fleet', clockSpeed: CLOCK_SPEED });
  fake.addDeployment(deployment('docs', STABLE));
  fake.addService(service('docs'));
  fake.scriptTraffic(STABLE, HEALTHY);
  await fake.rolledOut('docs');
});
afterEach(() => fake.close());

/** One canary release of NEW, with 1 s intervals; returns the outcome, what it said, and the stable Deployment's state. */
async function release(flags: Record<string, string | boolean> = {}, signal = new AbortController().signal) {
  const before = structuredClone(fake.deployment('docs')!);
  const options = deployOptions({ app: ['docs'], image: [NEW], kubeconfig: fake.kubeconfig, timeout: '20s', strategy: 'canary', 'canary-interval': '1s', 'canary-passes': '2', ...flags });
  const lines: string[] = [];
  const outcome = await canaryRelease(options.releases[0]!, options, kubectl, (line) => lines.push(line), signal);
  const stable = fake.deployment('docs')!;
  return { outcome, lines, untouched: stable.metadata.generation === before.metadata.generation && stable.spec.template.spec.containers[0].image === STABLE };
}

const canaryLeft = () => fake.deployment(canaryName('docs')) !== undefined || [...fake.cluster.pods.values()].some((pod) => pod.metadata.name.startsWith('docs-canary-'));

describe('canaryRelease, real kubectl against kube-fake, numbers from the pods through the API server', () => {
  it('promotes a healthy canary: set image on the stable Deployment, then the canary goes', async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const { outcome, lines } = await release();
    expect(outcome.status, outcome.report).toBe('rolled-out');
    expect(outcome.canary!.rows.map((row) => row[1])).toEqual(['pass', 'pass']);
    expect(fake.deployment('docs')!.spec.template.spec.containers[0].image).toBe(NEW);
    expect(canaryLeft()).toBe(false);
    expect(lines[0]).toBe('canary docs-canary: 1 pod(s) on r/docs:2 beside 2 stable (33% of pods); waiting for it (up to 20s) …');
    expect(lines).toContain('rolled out r/docs:2');
    // The canary Deployment's selector is its own track: the stable one's (and its HPA's) never counts its pods.
    const create = fake.requests.find((request) => request.method === 'POST')!;
    expect(create.path).toBe('/apis/apps/v1/namespaces/fleet/deployments');
  });

  it('aborts a canary with a raised server-error ratio on the first interval, stable untouched, with the numbers', async () => {
    fake.scriptTraffic(NEW, { ...HEALTHY, errorRatio: 0.3 });
    const { outcome, untouched } = await release();
    expect(outcome.status).toBe('canary-aborted');
    expect(untouched).toBe(true);
    expect(canaryLeft()).toBe(false);
    expect(outcome.report).toMatch(/^docs: canary of r\/docs:2 aborted: 1 failing interval\(s\), the limit is 1/);
    expect(outcome.report).toMatch(/1\s+fail\s+\d+\s+30\.0%\s+4\.8 ms\s+\d+\s+0\.1%\s+4\.8 ms\s+server errors 30\.0% > stable 0\.1% \+ 1\.0%; server errors 30\.0% > the ceiling 5\.0%/);
    expect(outcome.report).toContain('canary deleted; deployment/docs untouched on r/docs:1');
    console.log(outcome.report);
  });

  it('aborts a canary whose p95 latency is raised', async () => {
    fake.scriptTraffic(NEW, { ...HEALTHY, latencySeconds: 0.4 });
    const { outcome, untouched } = await release();
    expect(outcome.status).toBe('canary-aborted');
    expect(untouched).toBe(true);
    expect(outcome.canary!.rows[0]!.at(-1)).toBe('p95 487.5 ms > 1.5x stable 4.8 ms');
    console.log(outcome.report);
  });

  it('aborts a canary that gets no traffic as inconclusive, never as a pass, at the maximum bake', async () => {
    // NEW is never scripted: its pods are up and ready and nobody calls them.
    const { outcome, untouched } = await release({ 'canary-max-intervals': '3' });
    expect(outcome.status).toBe('canary-aborted');
    expect(untouched).toBe(true);
    expect(outcome.canary!.rows.map((row) => row[1])).toEqual(['inconclusive', 'inconclusive']);
    expect(outcome.report).toContain('2 passing intervals cannot be reached within the maximum bake of 3 intervals (0 passed, 0 failed, 2 inconclusive, 0 measurement errors)');
    expect(outcome.canary!.rows[0]!.at(-1)).toBe('canary served 0 requests, fewer than the 50 a verdict needs');
    console.log(outcome.report);
  });

  it('plans without calling kubectl on a dry run', async () => {
    const before = fake.requests.length;
    const { outcome, lines } = await release({ 'dry-run': true });
    expect(outcome.status).toBe('planned');
    expect(lines).toEqual([
      'would create deployment/docs-canary on r/docs:2 (10% of pods), judge it for up to 4 x 1 s, then roll out:',
      `would run: kubectl --kubeconfig ${fake.kubeconfig} set image deployment/docs docs=r/docs:2`,
    ]);
    expect(fake.requests).toHaveLength(before);
  });

  it('refuses an app whose stable Deployment would count the canary pods as its own, creating nothing', async () => {
    const overlapping = deployment('legacy', 'r/legacy:1');
    overlapping.spec.selector.matchLabels = { app: 'legacy' };
    fake.addDeployment(overlapping);
    fake.addService(service('legacy'));
    await fake.rolledOut('legacy');
    const options = deployOptions({ app: ['legacy'], image: ['r/legacy:2'], kubeconfig: fake.kubeconfig, strategy: 'canary' });
    const outcome = await canaryRelease(options.releases[0]!, options, kubectl, () => undefined, new AbortController().signal);
    expect(outcome.status).toBe('not-started');
    expect(outcome.report).toContain("deployment/legacy's selector has no app.kubernetes.io/track label");
    expect(fake.requests.some((request) => request.method !== 'GET')).toBe(false);
  });

  it('refuses a second deploy of the same app while one bakes, and deletes the canary when interrupted', async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const interrupt = new AbortController();
    const first = release({ 'canary-passes': '100' }, interrupt.signal);
    await waitUntil(() => fake.deployment(canaryName('docs'))?.status?.availableReplicas === 1, { what: 'the first canary ready' });
    const second = await release();
    expect(second.outcome.status).toBe('not-started');
    expect(second.outcome.report).toMatch(/^docs: another deploy of docs is running \(.+ pid \d+, its lock expires .+\); wait for it, or if it was killed outright: kubectl delete deployment\/docs-canary$/);
    interrupt.abort('SIGTERM');
    const { outcome, untouched } = await first;
    expect(outcome).toMatchObject({ status: 'interrupted', report: 'docs: interrupted (SIGTERM); canary deleted, deployment/docs untouched on r/docs:1' });
    expect(untouched).toBe(true);
    expect(canaryLeft()).toBe(false);
  });
});

describe('canaryRelease with numbers from Prometheus', () => {
  it('aborts after the limit of measurement errors when Prometheus cannot be reached, never passing', async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const { outcome, untouched } = await release({ 'prometheus-url': `http://127.0.0.1:${await closedPort()}`, 'canary-max-errors': '2' });
    expect(outcome.status).toBe('canary-aborted');
    expect(untouched).toBe(true);
    expect(outcome.canary!.rows.map((row) => row[1])).toEqual(['error', 'error']);
    expect(outcome.report).toContain('2 measurement errors in a row, the limit is 2: the metrics cannot be read');
    expect(outcome.canary!.rows[0]!.at(-1)).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:\d+: fetch failed \(connect ECONNREFUSED/);
  });

  it("a real Prometheus scraping the pods (as a ServiceMonitor with the track label would) aborts a failing canary and promotes a healthy one", async () => {
    const prometheus = await startPrometheus({ jobs: [{ name: 'pods', httpSd: fake.httpSdUrl, honorLabels: true }] });
    try {
      const flags = { 'prometheus-url': prometheus.url, 'canary-interval': '3s', 'canary-max-intervals': '6' };
      fake.scriptTraffic(NEW, { ...HEALTHY, errorRatio: 0.3 });
      const failing = await release(flags);
      expect(failing.outcome.status, failing.outcome.report).toBe('canary-aborted');
      expect(failing.untouched).toBe(true);
      expect(failing.outcome.canary!.rows.at(-1)![1]).toBe('fail');
      expect(failing.outcome.canary!.rows.at(-1)!.at(-1)).toMatch(/^server errors 30\.0% > stable 0\.1% \+ 1\.0%/);
      console.log(failing.outcome.report);

      fake.scriptTraffic('r/docs:3', HEALTHY);
      const options = deployOptions({ app: ['docs'], image: ['r/docs:3'], kubeconfig: fake.kubeconfig, timeout: '20s', strategy: 'canary', 'canary-passes': '2', ...flags });
      const healthy = await canaryRelease(options.releases[0]!, options, kubectl, () => undefined, new AbortController().signal);
      expect(healthy.status, healthy.report).toBe('rolled-out');
      expect(healthy.canary!.rows.filter((row) => row[1] === 'pass')).toHaveLength(2);
      expect(canaryLeft()).toBe(false);
    } finally {
      await prometheus.stop();
    }
  });
});

/** A loopback port nothing listens on: taken, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
