import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { waitUntil } from '@mcp-fleet/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deployOptions } from './options';
import { kubectl } from './kubectl';
import { rolloutWithRollback, type Kubectl } from './rollout';

let fake: KubeFake;
beforeEach(async () => {
  // A fast clock: the realistic 600 s deadline runs out in 2 real seconds, far beyond a good pod's 200 ms.
  fake = await startKubeFake({ namespace: 'fleet', clockSpeed: 300 });
  fake.addDeployment({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'docs', labels: { app: 'docs' } },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: 'docs' } },
      template: { metadata: { labels: { app: 'docs' } }, spec: { containers: [{ name: 'docs', image: 'r/docs:1' }] } },
    },
  });
  await fake.rolledOut('docs');
});
afterEach(() => fake.close());

const run = (image: string, extra: Record<string, unknown> = {}) => {
  const lines: string[] = [];
  const options = deployOptions({ app: ['docs'], image: [image], kubeconfig: fake.kubeconfig, timeout: '20s', ...extra });
  return rolloutWithRollback(options.releases[0]!, options, kubectl, (line) => lines.push(line)).then((outcome) => ({ outcome, lines }));
};

describe('rolloutWithRollback', () => {
  it('rolls out, saying each step', async () => {
    const { outcome, lines } = await run('r/docs:2');
    expect(outcome).toEqual({ app: 'docs', image: 'r/docs:2', previousImage: 'r/docs:1', status: 'rolled-out' });
    expect(lines).toEqual(['set image docs=r/docs:2 (was r/docs:1)', 'waiting for the rollout (up to 20s) …', 'rolled out r/docs:2']);
  });

  it('rolls back a release whose pods never become ready, timing the way back', async () => {
    fake.script('r/docs:bad', { kind: 'never-ready' });
    const { outcome } = await run('r/docs:bad');
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.rollbackMs).toBeGreaterThan(0);
    expect(outcome.report).toContain('pods never became ready (failing readiness probe)');
    expect(fake.deployment('docs')!.spec.template.spec.containers[0].image).toBe('r/docs:1');
  });

  it('rolls back a release interrupted (Ctrl-C, SIGTERM) while it waits for the rollout', async () => {
    fake.script('r/docs:slow', { kind: 'ready', afterMs: 7 * 24 * 3600_000 });
    const interrupt = new AbortController();
    const options = deployOptions({ app: ['docs'], image: ['r/docs:slow'], kubeconfig: fake.kubeconfig, timeout: '60s' });
    const running = rolloutWithRollback(options.releases[0]!, options, kubectl, () => undefined, {
      interrupt: interrupt.signal,
      hurry: new AbortController().signal,
    });
    // The event itself: kubectl rollout status is watching the deployment.
    await waitUntil(() => fake.requests.some((request) => request.query.includes('watch=true')), {
      what: 'kubectl rollout status watching',
    });
    interrupt.abort('SIGINT');
    const outcome = await running;
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.report).toMatch(/^docs: rollout of r\/docs:slow failed: interrupted \(SIGINT\)/);
    // Undone first, reported after: an interrupted process may be killed soon.
    const undo = fake.requests.findIndex(
      (request) => request.method === 'PATCH' && request.path.endsWith('/deployments/docs') && fake.requests.indexOf(request) > 1,
    );
    expect(fake.requests.slice(undo + 1).some((request) => request.path.endsWith('/replicasets'))).toBe(true);
    expect(fake.deployment('docs')!.spec.template.spec.containers[0].image).toBe('r/docs:1');
  });

  it('after the interrupt, a later signal stops waiting for the rollback, which was already issued', async () => {
    fake.script('r/docs:slow', { kind: 'ready', afterMs: 7 * 24 * 3600_000 });
    const [interrupt, hurry] = [new AbortController(), new AbortController()];
    let undone = false;
    // The previous version slow to come back: after the undo, a rollout's wait ends only when it is stopped.
    const slowComeback: Kubectl = (args, input, signal) => {
      if (args.includes('undo')) undone = true;
      if (!undone || !args.includes('status')) return kubectl(args, input, signal);
      const stopped = { code: 1, stdout: '', stderr: 'stopped' };
      return signal?.aborted
        ? Promise.resolve(stopped)
        : new Promise((resolve) => signal?.addEventListener('abort', () => resolve(stopped)));
    };
    const options = deployOptions({ app: ['docs'], image: ['r/docs:slow'], kubeconfig: fake.kubeconfig, timeout: '60s' });
    const running = rolloutWithRollback(options.releases[0]!, options, slowComeback, () => undefined, {
      interrupt: interrupt.signal,
      hurry: hurry.signal,
    });
    await waitUntil(() => fake.requests.some((request) => request.query.includes('watch=true')), {
      what: 'kubectl rollout status watching',
    });
    interrupt.abort('SIGINT');
    await waitUntil(() => undone, { what: 'the undo issued' });
    hurry.abort('SIGINT');
    const outcome = await running;
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.report).toMatch(/rolled back to r\/docs:1 \(kubectl rollout undo\); not waited for: interrupted again$/);
    expect(fake.deployment('docs')!.spec.template.spec.containers[0].image).toBe('r/docs:1');
  });

  it('does not start on a deployment without the container, naming the ones it has', async () => {
    const { outcome } = await run('r/docs:2', { container: ['web'] });
    expect(outcome).toMatchObject({
      status: 'not-started',
      report: 'docs: deployment/docs has no container "web" (it has: docs); pass --container',
    });
  });

  it('plans without calling kubectl on a dry run', async () => {
    const before = fake.requests.length;
    const { outcome, lines } = await run('r/docs:2', { 'dry-run': true });
    expect(outcome.status).toBe('planned');
    expect(lines[0]).toMatch(/^would run: kubectl --kubeconfig \S+ set image deployment\/docs docs=r\/docs:2$/);
    expect(fake.requests).toHaveLength(before);
  });
});
