import { describe, expect, it } from 'vitest';
import { Cluster, type K8sObject } from './cluster';

function deployment(image: string, progressDeadlineSeconds = 10): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace: 'ns', labels: { app: 'app' } },
    spec: {
      replicas: 2,
      progressDeadlineSeconds,
      selector: { matchLabels: { app: 'app' } },
      template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image }] } },
    },
  };
}

/** A cluster on a clock the test moves. */
function cluster() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const c = new Cluster(() => now);
  return { c, advance: (ms: number) => ((now += ms), c.reconcile()) };
}

const progressing = (d: K8sObject) => d.status.conditions.find((c: { type: string }) => c.type === 'Progressing');
const withImage = (d: K8sObject, image: string): K8sObject => ({
  ...d,
  spec: { ...d.spec, template: { ...d.spec.template, spec: { containers: [{ name: 'app', image }] } } },
});

describe('Cluster', () => {
  it('creates a ReplicaSet at revision 1 whose pods become ready, and completes the rollout', () => {
    const { c, advance } = cluster();
    const d = c.addDeployment(deployment('r/app:1'));
    expect(c.replicaSets.size).toBe(1);
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 0 });
    advance(300);
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    expect(progressing(d)).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(d.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('1');
  });

  it('keeps old pods until new ones are available (maxUnavailable 0), then scales the old set to zero', () => {
    const { c, advance } = cluster();
    c.addDeployment(deployment('r/app:1'));
    advance(300);
    c.script('r/app:2', { kind: 'ready', afterMs: 1000 });
    const d = c.updateDeployment('ns', 'app', withImage(c.deployments.get('ns/app')!, 'r/app:2'));
    expect(d.metadata.generation).toBe(2);
    advance(100);
    expect(d.status).toMatchObject({ replicas: 4, updatedReplicas: 2, availableReplicas: 2 });
    advance(1000);
    expect(d.status).toMatchObject({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 });
    expect(d.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('2');
  });

  it('reports ProgressDeadlineExceeded when pods never become ready, with Warning events', () => {
    const { c, advance } = cluster();
    c.addDeployment(deployment('r/app:1', 2));
    advance(300);
    c.script('r/app:bad', { kind: 'never-ready' });
    const d = c.updateDeployment('ns', 'app', withImage(c.deployments.get('ns/app')!, 'r/app:bad'));
    advance(1000);
    expect(progressing(d)).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    advance(1500);
    expect(progressing(d)).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(d.status.availableReplicas).toBe(2);
    expect(c.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['ScalingReplicaSet', 'Unhealthy', 'ProgressDeadlineExceeded']));
  });

  it('shows crash-looping pods with growing restart counts', () => {
    const { c, advance } = cluster();
    c.script('r/app:crash', { kind: 'crash-loop' });
    c.addDeployment(deployment('r/app:crash'));
    advance(2500);
    const status = [...c.pods.values()][0]!.status.containerStatuses[0];
    expect(status).toMatchObject({ ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } });
    const pod = [...c.pods.values()][0]!.metadata.name;
    const backOffs = () => c.events.find((e) => e.reason === 'BackOff' && (e.involvedObject as { name: string }).name === pod)?.count;
    expect(backOffs()).toBe(2);
    advance(500);
    expect(backOffs()).toBe(2);
    advance(600);
    expect(backOffs()).toBe(3);
  });

  it('makes an old ReplicaSet current again under the next revision, as a rollback does', () => {
    const { c, advance } = cluster();
    const original = c.addDeployment(deployment('r/app:1'));
    advance(300);
    c.updateDeployment('ns', 'app', withImage(original, 'r/app:2'));
    advance(300);
    const back = c.updateDeployment('ns', 'app', withImage(c.deployments.get('ns/app')!, 'r/app:1'));
    advance(300);
    expect(c.replicaSets.size).toBe(2);
    expect(back.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(back.status).toMatchObject({ replicas: 2, availableReplicas: 2 });
  });

  it('tells subscribers about every change, and stops when they unsubscribe', () => {
    const { c, advance } = cluster();
    const seen: string[] = [];
    const stop = c.subscribe((event) => seen.push(`${event.type} ${event.object.metadata.resourceVersion}`));
    c.addDeployment(deployment('r/app:1'));
    advance(300);
    stop();
    advance(300);
    expect(seen[0]).toMatch(/^ADDED /);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    const count = seen.length;
    c.updateDeployment('ns', 'app', withImage(c.deployments.get('ns/app')!, 'r/app:9'));
    expect(seen).toHaveLength(count);
  });
});
