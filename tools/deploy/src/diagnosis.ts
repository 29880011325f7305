/** The pieces of Kubernetes objects the failure report and the canary read. */
interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
}
export interface DeploymentJson {
  metadata: Meta;
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: { containers: { name: string; image: string; ports?: { name?: string; containerPort: number }[] }[] };
    };
  };
  status?: { availableReplicas?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}
export interface ReplicaSetJson {
  metadata: Meta;
  spec: { selector: { matchLabels: Record<string, string> } };
}
export interface PodJson {
  metadata: { name: string };
  status?: {
    phase?: string;
    containerStatuses?: {
      name: string;
      ready: boolean;
      restartCount: number;
      state?: { waiting?: { reason?: string; message?: string } };
    }[];
  };
}
export interface EventJson {
  involvedObject: { kind: string; name: string };
  type: string;
  reason: string;
  message: string;
  count?: number;
  lastTimestamp?: string;
}

const REVISION = 'deployment.kubernetes.io/revision';

export function revisionOf(object: { metadata: Meta }): string | undefined {
  return object.metadata.annotations?.[REVISION];
}

export function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
}

export function imageOf(deployment: DeploymentJson, container: string): string | undefined {
  return deployment.spec.template.spec.containers.find((c) => c.name === container)?.image;
}

/** Why `kubectl rollout status` failed, in words, from what it printed. */
export function rolloutFailure(stderr: string, timeout: string): string {
  if (/exceeded its progress deadline/.test(stderr)) return 'progress deadline exceeded (progressDeadlineSeconds)';
  if (/timed out waiting/.test(stderr)) return `not rolled out within --timeout=${timeout}`;
  const last = stderr.trim().split('\n').at(-1);
  return last ? `kubectl rollout status failed: ${last}` : 'kubectl rollout status failed';
}

/** What the pods of the failed ReplicaSet show: crash loops, image pulls, or readiness. */
export function podCause(pods: PodJson[]): string | undefined {
  const statuses = pods.flatMap((pod) => pod.status?.containerStatuses ?? []);
  const waiting = statuses.map((status) => status.state?.waiting?.reason).filter((reason): reason is string => Boolean(reason));
  if (waiting.includes('CrashLoopBackOff')) {
    const restarts = Math.max(...statuses.map((status) => status.restartCount));
    return `containers are crash-looping (CrashLoopBackOff, ${restarts} restarts)`;
  }
  const pull = waiting.find((reason) => /ImagePull|ErrImage/.test(reason));
  if (pull) return `the image cannot be pulled (${pull})`;
  if (statuses.length > 0 && statuses.some((status) => !status.ready)) return 'pods never became ready (failing readiness probe)';
  if (pods.length === 0) return 'no pods were created';
  return undefined;
}

/** The report a failed release prints: cause, conditions, the new ReplicaSet's pods, and recent events. */
export function failureReport(input: {
  app: string;
  image: string;
  failure: string;
  deployment: DeploymentJson;
  replicaSet?: ReplicaSetJson;
  pods: PodJson[];
  events: EventJson[];
}): string {
  const cause = podCause(input.pods);
  const lines = [`${input.app}: rollout of ${input.image} failed: ${input.failure}${cause ? `; ${cause}` : ''}`];
  for (const condition of input.deployment.status?.conditions ?? []) {
    lines.push(`  condition ${condition.type}=${condition.status} (${condition.reason ?? '-'}): ${condition.message ?? ''}`.trimEnd());
  }
  if (input.replicaSet) {
    lines.push(
      `  new ReplicaSet ${input.replicaSet.metadata.name} (revision ${revisionOf(input.replicaSet) ?? '?'}), ${input.pods.length} pod(s):`,
    );
    for (const pod of input.pods) {
      for (const status of pod.status?.containerStatuses ?? [{ name: '?', ready: false, restartCount: 0 }]) {
        const waiting = status.state?.waiting?.reason ? `, waiting: ${status.state.waiting.reason}` : '';
        lines.push(
          `    pod ${pod.metadata.name}: ${pod.status?.phase ?? 'Unknown'}, ready ${status.ready}, restarts ${status.restartCount}${waiting}`,
        );
      }
    }
  }
  const names = new Set([input.deployment.metadata.name, input.replicaSet?.metadata.name, ...input.pods.map((pod) => pod.metadata.name)]);
  const recent = input.events
    .filter((event) => names.has(event.involvedObject.name))
    .sort((a, b) => (a.lastTimestamp ?? '').localeCompare(b.lastTimestamp ?? ''))
    .slice(-8);
  if (recent.length > 0) lines.push('  recent events:');
  for (const event of recent) {
    lines.push(
      `    ${event.type} ${event.reason}${(event.count ?? 1) > 1 ? ` (x${event.count})` : ''} ${event.involvedObject.kind.toLowerCase()}/${event.involvedObject.name}: ${event.message}`,
    );
  }
  return lines.join('\n');
}
