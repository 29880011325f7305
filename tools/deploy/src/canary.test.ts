// The canary with the real kubectl against kube-fake: pods whose /metrics (the runtime's own registry) count the
// traffic each image is scripted to get, read through the API server's pod proxy or by a real Prometheus.
import { createServer } from 'node:net';
import { startKubeFake, type KubeFake, type Traffic } from '@mcp-fleet/kube-fake';
import { startPrometheus, waitUntil } from '@mcp-fleet/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_SPEED, deployment, service } from '../test/deployments';
import { canaryManifest, canaryName } from './canary';
import { kubectl } from './kubectl';
import { deployOptions, type DeployOptions } from './options';
import { lockedRelease } from './release';

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

const never = new AbortController().signal;

/** A release as deploy.ts makes it: under the app's lock, as `holder`. */
const locked = (options: DeployOptions, say: (line: string) => void = () => undefined, signal = never, holder = 'canary-test') =>
  lockedRelease(options.releases[0]!, options, kubectl, say, { interrupt: signal, hurry: never }, holder);

/** The options of a canary release of NEW with 1 s intervals, and `flags`. */
const canaryOptions = (flags: Record<string, string | boolean> = {}) =>
  deployOptions({
    app: ['docs'],
    image: [NEW],
    kubeconfig: fake.kubeconfig,
    timeout: '20s',
    strategy: 'canary',
    'canary-interval': '1s',
    'canary-passes': '2',
    ...flags,
  });

/** One canary release of NEW; returns the outcome, what it said, and the stable Deployment's state. */
async function release(flags: Record<string, string | boolean> = {}, signal = never, holder = 'canary-test') {
  const before = structuredClone(fake.deployment('docs')!);
  const options = canaryOptions(flags);
  const lines: string[] = [];
  const outcome = await locked(options, (line) => lines.push(line), signal, holder);
  const stable = fake.deployment('docs')!;
  return {
    outcome,
    lines,
    untouched: stable.metadata.generation === before.metadata.generation && stable.spec.template.spec.containers[0].image === STABLE,
  };
}

const canaryLeft = () =>
  fake.deployment(canaryName('docs')) !== undefined ||
  [...fake.cluster.pods.values()].some((pod) => pod.metadata.name.startsWith('docs-canary-'));

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
    const create = fake.requests.find((request) => request.method === 'POST' && request.path.endsWith('/deployments'))!;
    expect(create.path).toBe('/apis/apps/v1/namespaces/fleet/deployments');
  });

  it('aborts a canary with a raised server-error ratio on the first interval, stable untouched, with the numbers', async () => {
    fake.scriptTraffic(NEW, { ...HEALTHY, errorRatio: 0.3 });
    const { outcome, untouched } = await release();
    expect(outcome.status).toBe('canary-aborted');
    expect(untouched).toBe(true);
    expect(canaryLeft()).toBe(false);
    expect(outcome.report).toMatch(/^docs: canary of r\/docs:2 aborted: 1 failing interval\(s\), the limit is 1/);
    expect(outcome.report).toMatch(
      /1\s+fail\s+\d+\s+30\.0%\s+4\.8 ms\s+\d+\s+0\.1%\s+4\.8 ms\s+server errors 30\.0% > stable 0\.1% \+ 1\.0%; server errors 30\.0% > the ceiling 5\.0%/,
    );
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
    expect(outcome.report).toContain(
      '2 passing intervals cannot be reached within the maximum bake of 3 intervals (0 passed, 0 failed, 2 inconclusive, 0 measurement errors)',
    );
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
    const outcome = await locked(options);
    expect(outcome.status).toBe('not-started');
    expect(outcome.report).toContain("deployment/legacy's selector has no app.kubernetes.io/track label");
    // Nothing but the lock, taken and let go.
    expect(fake.requests.filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /apis/coordination.k8s.io/v1/namespaces/fleet/leases',
      'DELETE /apis/coordination.k8s.io/v1/namespaces/fleet/leases/legacy-deploy',
    ]);
  });

  it('refuses a second deploy of the same app while one bakes, and deletes the canary when interrupted', async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const interrupt = new AbortController();
    const first = release({ 'canary-passes': '100' }, interrupt.signal, 'first-deploy');
    await waitUntil(() => fake.deployment(canaryName('docs'))?.status?.availableReplicas === 1, { what: 'the first canary ready' });
    const second = await release({}, never, 'second-deploy');
    expect(second.outcome.status).toBe('not-started');
    expect(second.outcome.report).toMatch(
      /^docs: another deploy of docs is running \(first-deploy, lease\/docs-deploy; it expires \S+ unless renewed\); wait for it, or if it was killed outright: kubectl delete lease\/docs-deploy$/,
    );
    expect(fake.deployment(canaryName('docs'))!.metadata.annotations!['mcp-fleet.dev/deploy-lock-holder']).toBe('first-deploy');
    interrupt.abort('SIGTERM');
    const { outcome, untouched, lines } = await first;
    expect(outcome).toMatchObject({
      status: 'interrupted',
      report: 'docs: interrupted (SIGTERM); canary deleted, deployment/docs untouched on r/docs:1',
    });
    expect(lines.slice(-2)).toEqual(['canary docs-canary deleted', 'lock released (lease/docs-deploy deleted)']);
    expect(untouched).toBe(true);
    expect(canaryLeft()).toBe(false);
    expect(fake.lease('docs-deploy')).toBeUndefined();
  });

  it("stops waiting for a canary that is not ready yet at the first interrupt: interrupted, not 'never became ready'", async () => {
    fake.script(NEW, { kind: 'never-ready' });
    const interrupt = new AbortController();
    const running = release({ 'canary-passes': '2' }, interrupt.signal);
    await waitUntil(
      () =>
        fake.requests.some((request) => request.path.endsWith('/deployments') && request.query.includes('watch=true')) ||
        fake.requests.some((request) => /docs-canary/.test(request.query) && request.query.includes('watch')),
      {
        what: 'kubectl rollout status watching the canary',
      },
    );
    interrupt.abort('SIGTERM');
    const { outcome, untouched } = await running;
    expect(outcome).toMatchObject({
      status: 'interrupted',
      report: 'docs: interrupted (SIGTERM); canary deleted, deployment/docs untouched on r/docs:1',
    });
    expect(untouched).toBe(true);
    expect(canaryLeft()).toBe(false);
  });

  it('takes over the lock of a deploy killed outright, deletes the canary it left, and releases as usual', async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const options = deployOptions({ app: ['docs'], image: [NEW], kubeconfig: fake.kubeconfig });
    fake.addDeployment(canaryManifest(fake.deployment('docs')! as never, options.releases[0]!, 1, 'killed-deploy') as never);
    const renewTime = new Date(Date.now() - 120_000).toISOString();
    fake.cluster.putLease({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'docs-deploy', namespace: 'fleet' },
      spec: { holderIdentity: 'killed-deploy', leaseDurationSeconds: 60, renewTime },
    });
    const { outcome, lines } = await release();
    expect(lines.slice(0, 2)).toEqual([
      'took the deploy lock over from killed-deploy, whose lease had expired',
      'deployment/docs-canary was left by a deploy that did not finish (killed-deploy): canary docs-canary deleted',
    ]);
    expect(outcome.status, outcome.report).toBe('rolled-out');
    expect(canaryLeft()).toBe(false);
  });

  it("counts a restarted canary pod's requests from its restart, and still judges it (its start time tells)", async () => {
    fake.scriptTraffic(NEW, HEALTHY);
    const lines: string[] = [];
    const running = locked(canaryOptions({ 'canary-passes': '3' }), (line) => {
      lines.push(line);
      // After the first judged interval, the canary's container restarts: its counters start again from zero.
      if (line.startsWith('interval 1:'))
        fake.restartPod([...fake.cluster.pods.values()].find((pod) => pod.metadata.name.startsWith('docs-canary-'))!.metadata.name);
    });
    const outcome = await running;
    expect(outcome.status, outcome.report).toBe('rolled-out');
    expect(outcome.canary!.rows.map((row) => row[1])).toEqual(['pass', 'pass', 'pass']);
    for (const row of outcome.canary!.rows) expect(Number(row[2])).toBeGreaterThan(0);
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

  it('a real Prometheus scraping the pods (as a ServiceMonitor with the track label would) aborts a failing canary and promotes a healthy one', async () => {
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
      const options = deployOptions({
        app: ['docs'],
        image: ['r/docs:3'],
        kubeconfig: fake.kubeconfig,
        timeout: '20s',
        strategy: 'canary',
        'canary-passes': '2',
        ...flags,
      });
      const healthy = await locked(options);
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
