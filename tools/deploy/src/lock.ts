// One deploy of an app at a time: a coordination.k8s.io Lease `<app>-deploy` in the app's namespace, held by one
// deploy and renewed while it runs, as Kubernetes' own leader election does. Every write is conditional (create, or
// replace and delete at the resourceVersion read), so two deploys can never both believe they hold it; a deploy that
// cannot renew it in time stops, since it may no longer hold it. Another deploy takes it over only once it has
// expired: its holder was killed outright or lost its runner.
import { hostname, userInfo } from 'node:os';
import { kubectlFlags, type ClusterOptions, type DeployOptions } from './options';
import type { Kubectl } from './rollout';

export const leaseName = (app: string) => `${app}-deploy`;

export interface LeaseJson {
  metadata: { name: string; resourceVersion?: string };
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/**
 * Who a deploy is. In GitHub Actions, the run and its attempt: the same for every step of the job, so the cleanup
 * step finds what the deploy step held. Elsewhere, this process.
 */
export function holderIdentity(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID) return `github-run ${env.GITHUB_REPOSITORY ?? 'unknown'}#${env.GITHUB_RUN_ID}.${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return `${userInfo().username}@${hostname()} pid ${process.pid}`;
}

/** When the lease stops holding unless renewed, in ms since the epoch; NaN when it says nothing readable. */
export function leaseExpiry(lease: LeaseJson): number {
  const renewed = Date.parse(lease.spec?.renewTime ?? '');
  const seconds = lease.spec?.leaseDurationSeconds;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? renewed + seconds * 1000 : Number.NaN;
}

/** A Kubernetes MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');

export interface DeployLock {
  holder: string;
  namespace: string;
  /** Aborted when the lock is lost: another deploy replaced the lease, or it could not be renewed before it expired. */
  lost: AbortSignal;
  /** The holder of an expired lease this deploy took over, if it did. */
  tookOverFrom?: string;
  /** Stops renewing and deletes the lease, if it is still this deploy's. */
  release(): Promise<string>;
}

interface LockTarget {
  app: string;
  options: Pick<DeployOptions, 'kubeconfig' | 'context' | 'namespace' | 'leaseSeconds'>;
  kubectl: Kubectl;
  holder: string;
}

/** The namespace the deploy works in: --namespace, else the kubeconfig context's, else default. */
export async function namespaceOf(options: ClusterOptions, kubectl: Kubectl): Promise<string> {
  if (options.namespace) return options.namespace;
  const shown = await kubectl([...kubectlFlags(options), 'config', 'view', '--minify', '-o', 'jsonpath={..namespace}']);
  return (shown.code === 0 && shown.stdout.trim()) || 'default';
}

const leasePath = (namespace: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases${name ? `/${name}` : ''}`;

/** Reads the app's lease: undefined when there is none; throws when it cannot be read. */
export async function readLease(app: string, namespace: string, options: ClusterOptions, kubectl: Kubectl): Promise<LeaseJson | undefined> {
  const shown = await kubectl([...kubectlFlags(options), 'get', '--raw', leasePath(namespace, leaseName(app))]);
  if (shown.code === 0) return JSON.parse(shown.stdout) as LeaseJson;
  if (/\(NotFound\)/.test(shown.stderr)) return undefined;
  throw new Error(`cannot read lease/${leaseName(app)}: ${shown.stderr.trim()}`);
}

/** Deletes the lease if it is still at `resourceVersion`; says what happened. */
export async function deleteLease(
  app: string,
  namespace: string,
  resourceVersion: string | undefined,
  options: ClusterOptions,
  kubectl: Kubectl,
): Promise<string> {
  const body = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion } });
  const deleted = await kubectl(
    [...kubectlFlags(options), '--request-timeout=30s', 'delete', '--raw', leasePath(namespace, leaseName(app)), '-f', '-'],
    body,
  );
  if (deleted.code === 0) return `lock released (lease/${leaseName(app)} deleted)`;
  if (/\(NotFound\)/.test(deleted.stderr)) return `lock already gone (lease/${leaseName(app)})`;
  if (/\(Conflict\)/.test(deleted.stderr)) return `lock not released: another deploy holds lease/${leaseName(app)} now`;
  return `could not release the lock, it expires by itself: ${deleted.stderr.trim()}`;
}

/**
 * Takes the app's lock, or says why not: another deploy holds it and has renewed it in time. A lease that has
 * expired (or is this holder's own, from an earlier step of the same run) is taken over.
 */
export async function acquireLock(target: LockTarget): Promise<DeployLock | { refused: string }> {
  const { app, options, kubectl, holder } = target;
  const { leaseSeconds } = options;
  const flags = kubectlFlags(options);
  const namespace = await namespaceOf(options, kubectl);
  const name = leaseName(app);
  const write = async (
    verb: 'create' | 'replace',
    lease: LeaseJson,
  ): Promise<{ lease: LeaseJson; error?: undefined } | { error: string }> => {
    const path = verb === 'create' ? leasePath(namespace) : leasePath(namespace, name);
    const written = await kubectl(
      [...flags, '--request-timeout=30s', verb, '--raw', path, '-f', '-'],
      JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease }),
    );
    return written.code === 0 ? { lease: JSON.parse(written.stdout) as LeaseJson } : { error: written.stderr.trim() };
  };
  const now = Date.now();
  const spec = { holderIdentity: holder, leaseDurationSeconds: leaseSeconds, acquireTime: microTime(now), renewTime: microTime(now) };
  const metadata = { name, labels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/managed-by': 'mcp-fleet-deploy' } };

  let held = await write('create', { metadata, spec: { ...spec, leaseTransitions: 0 } });
  let tookOverFrom: string | undefined;
  if (held.error !== undefined) {
    if (!/\(AlreadyExists\)/.test(held.error)) return { refused: `cannot take the deploy lock (lease/${name}): ${held.error}` };
    const current = await readLease(app, namespace, options, kubectl).catch((error: Error) => ({ error: error.message }));
    if (!current || 'error' in current)
      return { refused: current ? current.error : `lease/${name} vanished while it was being taken; try again` };
    const expires = leaseExpiry(current);
    const theirs = current.spec?.holderIdentity;
    if (theirs !== holder && !(expires < now)) {
      const until = Number.isNaN(expires)
        ? 'it names no time it expires, so it never does: delete it if its deploy is gone'
        : `it expires ${new Date(expires).toISOString()} unless renewed`;
      return {
        refused: `another deploy of ${app} is running (${theirs ?? 'no holder named'}, lease/${name}; ${until}); wait for it, or if it was killed outright: kubectl delete lease/${name}`,
      };
    }
    held = await write('replace', {
      metadata: { ...metadata, resourceVersion: current.metadata.resourceVersion },
      spec: { ...spec, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 },
    });
    if (held.error !== undefined)
      return {
        refused: /\(Conflict\)/.test(held.error)
          ? `another deploy of ${app} took lease/${name} just now`
          : `cannot take over lease/${name}: ${held.error}`,
      };
    if (theirs !== holder) tookOverFrom = theirs;
  }

  let resourceVersion = (held as { lease: LeaseJson }).lease.metadata.resourceVersion;
  let renewedAt = now;
  const lost = new AbortController();
  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    const at = Date.now();
    const renewed = await write('replace', { metadata: { ...metadata, resourceVersion }, spec: { ...spec, renewTime: microTime(at) } });
    if (renewed.error === undefined) {
      resourceVersion = renewed.lease.metadata.resourceVersion;
      renewedAt = at;
    } else if (/\(Conflict\)/.test(renewed.error)) {
      lost.abort(new Error(`lost the deploy lock: another deploy replaced lease/${name}`));
    } else if (Date.now() - renewedAt > leaseSeconds * 1000) {
      lost.abort(new Error(`lost the deploy lock: lease/${name} could not be renewed for ${leaseSeconds} s (${renewed.error})`));
    }
  };
  const timer = setInterval(
    () => {
      if (!lost.signal.aborted) renewing = renewing.then(renew);
    },
    (leaseSeconds * 1000) / 3,
  );
  timer.unref();
  return {
    holder,
    namespace,
    lost: lost.signal,
    tookOverFrom,
    async release() {
      clearInterval(timer);
      await renewing;
      if (lost.signal.aborted) return 'lock not released: it was lost';
      return deleteLease(app, namespace, resourceVersion, options, kubectl);
    },
  };
}
