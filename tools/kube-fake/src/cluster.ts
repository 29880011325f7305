import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createMetrics, type RuntimeMetrics } from '@mcp-fleet/runtime';

/** How pods of an image behave, as a test scripts it. */
export type Behaviour = { kind: 'ready'; afterMs?: number } | { kind: 'never-ready' } | { kind: 'crash-loop' };

/**
 * The requests the Service sends to each ready pod of an image, as a test scripts them: `rps` per pod in cluster
 * time, the share answered with a server error, and how long each takes.
 */
export interface Traffic {
  rps: number;
  errorRatio?: number;
  latencySeconds?: number;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- Kubernetes objects are open-ended JSON
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [key: string]: unknown;
};

export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: K8sObject };

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

/**
 * The objects of a pretend cluster and a deployment controller that moves them: a ReplicaSet per template,
 * pods that become ready, never do, or crash-loop as the test scripted their image, old ReplicaSets scaled down
 * only as new pods become available (maxUnavailable 0), and the Progressing condition, including
 * ProgressDeadlineExceeded.
 */
export class Cluster {
  private version = 1;
  readonly deployments = new Map<string, K8sObject>();
  readonly replicaSets = new Map<string, K8sObject>();
  readonly pods = new Map<string, K8sObject>();
  readonly events: K8sObject[] = [];
  /** Seeded by tests (no controller moves them): what kubectl reads as Services. */
  readonly services = new Map<string, K8sObject>();
  /** coordination.k8s.io Leases, as clients write them: kube-fake only stores them, with optimistic concurrency. */
  readonly leases = new Map<string, K8sObject>();
  private readonly behaviours = new Map<string, Behaviour>();
  private readonly traffic = new Map<string, Traffic>();
  private readonly served = new Map<string, { metrics: RuntimeMetrics; requests: number; errors: number; restartedAt?: number }>();
  private readonly progressSince = new Map<string, { hash: string; at: number }>();
  private readonly listeners = new Set<(event: WatchEvent) => void>();

  constructor(private readonly now: () => number = Date.now) {}

  get resourceVersion(): string {
    return String(this.version);
  }

  /** Pods of this image behave so; an image never scripted becomes ready after 200 ms. */
  script(image: string, behaviour: Behaviour): void {
    this.behaviours.set(image, behaviour);
  }

  /** Ready pods of this image serve this traffic; pods of an image never scripted serve none. */
  scriptTraffic(image: string, traffic: Traffic): void {
    this.traffic.set(image, traffic);
  }

  /**
   * The pod's /metrics as the runtime writes them (the runtime's own registry): every request its scripted traffic
   * has brought since the pod became ready (or its container last restarted), by cluster time, counted on each read;
   * `process_start_time_seconds` is the container's.
   */
  async metricsOf(pod: K8sObject): Promise<string> {
    const container = pod.spec.containers?.[0] ?? {};
    const state = this.served.get(pod.metadata.uid!) ?? this.startServing(pod);
    const traffic = this.traffic.get(container.image);
    const readySince = readyCondition(pod)?.lastTransitionTime;
    if (traffic && readySince) {
      const since = Math.max(Date.parse(readySince), state.restartedAt ?? 0);
      const requests = Math.floor((traffic.rps * Math.max(0, this.now() - since)) / 1000);
      const errors = Math.floor(requests * (traffic.errorRatio ?? 0));
      const labels = { method: 'tools/call', tool: 'echo' };
      state.metrics.requests.inc({ ...labels, outcome: 'server_error' }, errors - state.errors);
      state.metrics.requests.inc({ ...labels, outcome: 'ok' }, requests - state.requests - (errors - state.errors));
      for (let i = state.requests; i < requests; i++) state.metrics.duration.observe(labels, traffic.latencySeconds ?? 0.004);
      state.requests = requests;
      state.errors = errors;
    }
    const startedAt = (state.restartedAt ?? Date.parse(pod.metadata.creationTimestamp!)) / 1000;
    return (await state.metrics.registry.metrics()).replace(/^(process_start_time_seconds(?:\{[^}]*\})?) .*$/m, `$1 ${startedAt}`);
  }

  /** The pod's container restarts now: its counters start again from zero, with a new start time. */
  restartPod(namespace: string, name: string): void {
    const pod = this.pods.get(key(namespace, name));
    if (!pod) throw new Error(`kube-fake: no pod ${namespace}/${name} to restart`);
    this.startServing(pod, this.now());
  }

  private startServing(pod: K8sObject, restartedAt?: number) {
    const name = pod.metadata.labels?.['app.kubernetes.io/name'] ?? pod.metadata.labels?.app ?? pod.spec.containers?.[0]?.name;
    const state = { metrics: createMetrics(name), requests: 0, errors: 0, restartedAt };
    // Every outcome's series exists at zero, as the runtime makes them for each tool.
    for (const outcome of ['ok', 'server_error']) state.metrics.requests.inc({ method: 'tools/call', tool: 'echo', outcome }, 0);
    this.served.set(pod.metadata.uid!, state);
    return state;
  }

  subscribe(listener: (event: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  addDeployment(manifest: K8sObject): K8sObject {
    const namespace = manifest.metadata.namespace ?? 'default';
    const deployment = structuredClone(manifest);
    deployment.apiVersion = 'apps/v1';
    deployment.kind = 'Deployment';
    deployment.metadata = {
      ...deployment.metadata,
      namespace,
      uid: randomUUID(),
      generation: 1,
      creationTimestamp: new Date(this.now()).toISOString(),
      annotations: { ...deployment.metadata.annotations },
    };
    deployment.spec = { replicas: 1, progressDeadlineSeconds: 600, revisionHistoryLimit: 10, ...deployment.spec };
    deployment.status = {};
    this.stamp(deployment);
    this.deployments.set(key(namespace, deployment.metadata.name), deployment);
    this.emit('ADDED', deployment);
    this.reconcile();
    return deployment;
  }

  /** Deletes a deployment, and its ReplicaSets and their pods with it (background cascading deletion). */
  deleteDeployment(namespace: string, name: string): K8sObject | undefined {
    const deployment = this.deployments.get(key(namespace, name));
    if (!deployment) return undefined;
    this.deployments.delete(key(namespace, name));
    for (const rs of [...this.replicaSets.values()].filter((r) =>
      r.metadata.ownerReferences?.some((ref) => ref.uid === deployment.metadata.uid),
    )) {
      for (const pod of this.podsOf(rs)) this.removePod(pod);
      this.replicaSets.delete(key(namespace, rs.metadata.name));
    }
    this.stamp(deployment);
    this.emit('DELETED', deployment);
    return deployment;
  }

  /** Stores a Lease as written (created or replaced), with a new resourceVersion; returns it. */
  putLease(lease: K8sObject): K8sObject {
    const stored = structuredClone(lease);
    this.stamp(stored);
    this.leases.set(key(stored.metadata.namespace!, stored.metadata.name), stored);
    return structuredClone(stored);
  }

  /** Replaces a deployment as a PATCH or PUT would; a changed spec is a new generation. */
  updateDeployment(namespace: string, name: string, next: K8sObject): K8sObject {
    const current = this.deployments.get(key(namespace, name))!;
    const updated = structuredClone(next);
    updated.metadata = { ...current.metadata, labels: updated.metadata.labels, annotations: updated.metadata.annotations ?? {} };
    updated.status = current.status;
    if (JSON.stringify(updated.spec) !== JSON.stringify(current.spec)) updated.metadata.generation = (current.metadata.generation ?? 1) + 1;
    this.stamp(updated);
    this.deployments.set(key(namespace, name), updated);
    this.emit('MODIFIED', updated);
    this.reconcile();
    return updated;
  }

  /** One pass of the controller over every deployment. */
  reconcile(): void {
    for (const deployment of this.deployments.values()) this.reconcileDeployment(deployment);
  }

  private reconcileDeployment(deployment: K8sObject): void {
    const namespace = deployment.metadata.namespace!;
    const name = deployment.metadata.name;
    const now = this.now();
    const desired: number = deployment.spec.replicas ?? 1;
    const hash = templateHash(deployment.spec.template);
    const owned = [...this.replicaSets.values()].filter((rs) =>
      rs.metadata.ownerReferences?.some((ref) => ref.uid === deployment.metadata.uid),
    );
    const maxRevision = Math.max(0, ...owned.map(revisionOf));

    let current = owned.find((rs) => rs.metadata.labels?.[HASH] === hash);
    if (!current) {
      current = this.createReplicaSet(deployment, hash, maxRevision + 1);
      this.event(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${current.metadata.name} to ${desired}`);
    } else if (revisionOf(current) < maxRevision) {
      // A rollback makes an old ReplicaSet current again, under the next revision number.
      current.metadata.annotations![REVISION] = String(maxRevision + 1);
      this.stamp(current);
      this.event(deployment, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${current.metadata.name} to ${desired}`);
    }
    const since = this.progressSince.get(key(namespace, name));
    if (since?.hash !== hash) this.progressSince.set(key(namespace, name), { hash, at: now });
    deployment.metadata.annotations = { ...deployment.metadata.annotations, [REVISION]: current.metadata.annotations![REVISION]! };

    current.spec.replicas = desired;
    this.syncPods(current, now);
    const newAvailable = this.podsOf(current).filter((pod) => isReady(pod)).length;
    for (const old of owned.filter((rs) => rs !== current)) {
      // maxUnavailable 0: an old ReplicaSet gives up a pod only for a new pod that is available.
      old.spec.replicas = Math.min(old.spec.replicas ?? 0, Math.max(0, desired - newAvailable));
      this.syncPods(old, now);
    }

    const all = [...this.replicaSets.values()].filter((rs) =>
      rs.metadata.ownerReferences?.some((ref) => ref.uid === deployment.metadata.uid),
    );
    const pods = all.flatMap((rs) => this.podsOf(rs));
    const updated = this.podsOf(current).length;
    const available = pods.filter(isReady).length;
    const complete = updated === desired && pods.length === updated && newAvailable === updated;
    const deadlineMs = (deployment.spec.progressDeadlineSeconds ?? 600) * 1000;
    const started = this.progressSince.get(key(namespace, name))!.at;
    const progressing = complete
      ? { status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${current.metadata.name}" has successfully progressed.` }
      : now - started > deadlineMs
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${current.metadata.name}" has timed out progressing.`,
          }
        : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${current.metadata.name}" is progressing.` };
    const availableCondition =
      available >= desired
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          };
    const status = {
      observedGeneration: deployment.metadata.generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: available,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, pods.length - available),
      conditions: [availableCondition, { type: 'Progressing', ...progressing }],
    };
    if (progressing.reason === 'ProgressDeadlineExceeded' && deployment.status?.conditions?.[1]?.reason !== 'ProgressDeadlineExceeded') {
      this.event(deployment, 'Warning', 'ProgressDeadlineExceeded', progressing.message);
    }
    if (!sameStatus(deployment.status, status)) {
      const previous = deployment.status?.conditions as
        { type: string; reason: string; lastTransitionTime?: string; lastUpdateTime?: string }[] | undefined;
      const stampTime = new Date(now).toISOString();
      deployment.status = {
        ...status,
        conditions: status.conditions.map((condition) => {
          const before = previous?.find((c) => c.type === condition.type);
          const same = before?.reason === condition.reason;
          return { ...condition, lastUpdateTime: stampTime, lastTransitionTime: same ? before!.lastTransitionTime : stampTime };
        }),
      };
      this.stamp(deployment);
      this.emit('MODIFIED', deployment);
    }
  }

  private createReplicaSet(deployment: K8sObject, hash: string, revision: number): K8sObject {
    const namespace = deployment.metadata.namespace!;
    const template = structuredClone(deployment.spec.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH]: hash } };
    const rs: K8sObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${deployment.metadata.name}-${hash}`,
        namespace,
        uid: randomUUID(),
        labels: { ...deployment.spec.template.metadata?.labels, [HASH]: hash },
        annotations: { [REVISION]: String(revision) },
        creationTimestamp: new Date(this.now()).toISOString(),
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name, uid: deployment.metadata.uid!, controller: true },
        ],
      },
      spec: { replicas: 0, selector: { matchLabels: { ...deployment.spec.selector?.matchLabels, [HASH]: hash } }, template },
      status: { replicas: 0 },
    };
    this.stamp(rs);
    this.replicaSets.set(key(namespace, rs.metadata.name), rs);
    return rs;
  }

  podsOf(rs: K8sObject): K8sObject[] {
    return [...this.pods.values()].filter((pod) => pod.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
  }

  /** A pod gone, with the traffic it had counted. */
  private removePod(pod: K8sObject): void {
    this.pods.delete(key(pod.metadata.namespace!, pod.metadata.name));
    this.served.delete(pod.metadata.uid!);
  }

  /** Creates or deletes pods to the ReplicaSet's count, and moves each pod's status on with its age. */
  private syncPods(rs: K8sObject, now: number): void {
    const namespace = rs.metadata.namespace!;
    let pods = this.podsOf(rs);
    while (pods.length < rs.spec.replicas) {
      const pod: K8sObject = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
          namespace,
          uid: randomUUID(),
          labels: { ...rs.spec.template.metadata?.labels },
          creationTimestamp: new Date(now).toISOString(),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid!, controller: true }],
        },
        spec: structuredClone(rs.spec.template.spec),
        status: {},
      };
      this.stamp(pod);
      this.pods.set(key(namespace, pod.metadata.name), pod);
      pods = this.podsOf(rs);
    }
    for (const extra of pods.slice(rs.spec.replicas)) this.removePod(extra);
    for (const pod of this.podsOf(rs)) this.moveOn(pod, now);
    const ready = this.podsOf(rs).filter(isReady).length;
    rs.status = {
      replicas: this.podsOf(rs).length,
      fullyLabeledReplicas: this.podsOf(rs).length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: 1,
    };
  }

  private moveOn(pod: K8sObject, now: number): void {
    const container = pod.spec.containers?.[0] ?? { name: 'app', image: 'unknown' };
    const behaviour = this.behaviours.get(container.image) ?? { kind: 'ready', afterMs: 200 };
    const ageMs = now - Date.parse(pod.metadata.creationTimestamp!);
    const base = { name: container.name, image: container.image, imageID: '', started: true };
    let ready = false;
    let state: Record<string, unknown> = { running: { startedAt: pod.metadata.creationTimestamp } };
    let restartCount = 0;
    if (behaviour.kind === 'ready') {
      ready = ageMs >= (behaviour.afterMs ?? 200);
    } else if (behaviour.kind === 'crash-loop') {
      restartCount = 1 + Math.floor(ageMs / 1000);
      state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off 10s restarting failed container=${container.name} pod=${pod.metadata.name}`,
        },
      };
      this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}`);
    } else {
      this.event(pod, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    }
    const wasReady = pod.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
    const since = wasReady?.status === (ready ? 'True' : 'False') ? wasReady.lastTransitionTime : new Date(now).toISOString();
    pod.status = {
      phase: 'Running',
      podIP: '127.0.0.1',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: since }],
      containerStatuses: [
        {
          ...base,
          ready,
          restartCount,
          state,
          ...(restartCount > 0 ? { lastState: { terminated: { exitCode: 1, reason: 'Error' } } } : {}),
        },
      ],
    };
  }

  /** Records an event once per object and reason, counting repeats, as the API server's event aggregation does. */
  private event(object: K8sObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const existing = this.events.find(
      (event) =>
        event.involvedObject &&
        (event.involvedObject as { uid: string }).uid === object.metadata.uid &&
        event.reason === reason &&
        event.message === message,
    );
    const time = new Date(this.now()).toISOString();
    if (existing) {
      // The controller passes every 50 ms; a repeat counts once a second, as a kubelet's retries would.
      if (this.now() - Date.parse(existing.lastTimestamp as string) < 1000) return;
      existing.count = (existing.count as number) + 1;
      existing.lastTimestamp = time;
      return;
    }
    const event: K8sObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${object.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: object.metadata.namespace },
      involvedObject: { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: time,
      lastTimestamp: time,
      source: { component: 'kube-fake' },
    };
    this.stamp(event);
    this.events.push(event);
  }

  private stamp(object: K8sObject): void {
    object.metadata.resourceVersion = String(++this.version);
  }

  private emit(type: WatchEvent['type'], object: K8sObject): void {
    for (const listener of this.listeners) listener({ type, object: structuredClone(object) });
  }
}

export function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function revisionOf(rs: K8sObject): number {
  return Number(rs.metadata.annotations?.[REVISION] ?? 0);
}

/** The pod's Ready condition when it is true: since when it has been ready. */
function readyCondition(pod: K8sObject): { lastTransitionTime?: string } | undefined {
  return pod.status?.conditions?.find(
    (condition: { type: string; status: string }) => condition.type === 'Ready' && condition.status === 'True',
  );
}

export function isReady(pod: K8sObject): boolean {
  return readyCondition(pod) !== undefined;
}

/** The template's hash, ignoring its own pod-template-hash label, as the controller names ReplicaSets. */
function templateHash(template: K8sObject['spec']): string {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[HASH];
  return createHash('sha256').update(JSON.stringify(copy)).digest('hex').slice(0, 10);
}

function sameStatus(before: unknown, after: { conditions: object[] }): boolean {
  if (!before || typeof before !== 'object') return false;
  const strip = (status: { conditions?: { lastUpdateTime?: string; lastTransitionTime?: string }[] }) =>
    JSON.stringify({ ...status, conditions: status.conditions?.map(({ lastUpdateTime: _u, lastTransitionTime: _t, ...rest }) => rest) });
  return strip(before as never) === strip(after as never);
}
