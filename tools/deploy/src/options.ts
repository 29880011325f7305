import { CANARY_SETTINGS, canaryValue, type CanaryManifest, type CanarySetting } from '@mcp-fleet/fleet-manifest';
import { parseDuration } from '@mcp-fleet/cli-kit';
import type { CanaryLimits, CanaryRules } from './canary-analysis';

export interface AppRelease {
  app: string;
  image: string;
  /** The container to set the image of; our manifests name it after the app. */
  container: string;
  /** How its canary is judged, when --strategy canary. */
  canary: CanarySettings;
}

export interface DeployOptions {
  releases: AppRelease[];
  namespace?: string;
  context?: string;
  kubeconfig?: string;
  /** How long `kubectl rollout status` may wait, for the release and for the rollback: "5m", "90s". */
  timeout: string;
  timeoutMs: number;
  parallel: boolean;
  dryRun: boolean;
  strategy: 'rolling' | 'canary';
  /** How long the app's deploy lock holds without renewal (lock.ts): a killed deploy's lock is free after this. */
  leaseSeconds: number;
}

export interface CanarySettings {
  /** The share of pods on the new image, in percent; the canary gets at least one pod. */
  weight: number;
  intervalMs: number;
  rules: CanaryRules;
  limits: CanaryLimits;
  /** Read the numbers from this Prometheus; without it, from the pods' /metrics through the API server. */
  prometheusUrl?: string;
}

/**
 * The canary's settings as flags: `--canary-` and the manifest's key in kebab case (`maxErrorPercent` is
 * `--canary-max-error-percent`). Defaults, ranges and meanings are the manifest's (CANARY_SETTINGS), so the flags,
 * an app's `mcpFleet.canary`, the usage text and docs/deploy.md's table cannot disagree. A flag wins over the app's
 * setting, the app's over the default.
 */
export const canaryFlag = (key: CanarySetting): `canary-${string}` =>
  `canary-${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
export const CANARY_FLAGS: ReadonlyMap<`canary-${string}`, CanarySetting> = new Map(
  (Object.keys(CANARY_SETTINGS) as CanarySetting[]).map((key) => [canaryFlag(key), key]),
);
type FlagValues = { [flag: `canary-${string}`]: string | undefined; 'prometheus-url'?: string };

/** The canary settings of one app: flags over its own settings over the defaults, each checked against its range. */
function canarySettings(flags: FlagValues, app: string, own: CanaryManifest): CanarySettings {
  const name = (key: CanarySetting) =>
    flags[canaryFlag(key)] !== undefined ? `--${canaryFlag(key)}` : `mcpFleet.canary.${key} in apps/${app}/package.json`;
  const value = (key: CanarySetting, fallback?: number): number => {
    const text = flags[canaryFlag(key)];
    if (text === undefined && own[key] !== undefined) return own[key]!;
    if (text === undefined && fallback !== undefined) return fallback;
    const checked = canaryValue(key, text ?? String(CANARY_SETTINGS[key].default));
    if ('problem' in checked) throw new Error(`--${canaryFlag(key)} is "${text}": ${checked.problem}`);
    return checked.value;
  };
  const passes = value('passes');
  const maxIntervals = value('maxIntervals', passes * 2);
  if (maxIntervals < passes) {
    throw new Error(
      `${name('maxIntervals')} ${maxIntervals} is fewer than ${name('passes')} ${passes}: the canary could never be promoted; raise it to ${passes} or more`,
    );
  }
  const url = flags['prometheus-url'];
  if (url && !/^https?:\/\/[^\s/]+/.test(url))
    throw new Error(`--prometheus-url must be an http(s) URL such as http://prometheus.monitoring:9090, got "${url}"`);
  return {
    weight: value('weightPercent'),
    intervalMs: value('interval'),
    rules: {
      minRequests: value('minRequests'),
      errorMargin: value('errorMarginPercent') / 100,
      maxErrorRatio: value('maxErrorPercent') / 100,
      maxLatencyRatio: value('maxLatencyRatio'),
    },
    limits: {
      passes,
      maxIntervals,
      maxFailures: value('maxFailures'),
      maxInconclusive: value('maxInconclusive', maxIntervals),
      maxErrors: value('maxErrors'),
    },
    prometheusUrl: url || undefined,
  };
}

/** How long an app's deploy lock holds without renewal by default (--lock-lease); it is renewed every third of that. */
export const LEASE_SECONDS = 60;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// registry/path:tag or registry/path@sha256:…; "latest" is refused, a release must name what it ships.
const IMAGE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/** Pairs each --app with the --image after it, and checks every value before anything runs. */
export function deployOptions(
  values: {
    app?: string[];
    image?: string[];
    container?: string[];
    namespace?: string;
    context?: string;
    kubeconfig?: string;
    timeout?: string;
    parallel?: boolean;
    'dry-run'?: boolean;
    strategy?: string;
    'prometheus-url'?: string;
    'lock-lease'?: string;
  } & FlagValues,
  /** An app's `mcpFleet.canary`, checked, if it has one (deploy.ts reads it with readApp). */
  appCanary: (app: string) => CanaryManifest | undefined = () => undefined,
): DeployOptions {
  const apps = values.app ?? [];
  const images = values.image ?? [];
  const containers = values.container ?? [];
  if (apps.length === 0) throw new Error('give at least one --app NAME --image REF pair');
  if (apps.length !== images.length)
    throw new Error(`every --app needs its --image: got ${apps.length} --app and ${images.length} --image`);
  if (containers.length > 0 && containers.length !== apps.length) throw new Error('give --container for every --app, or for none');
  const releases = apps.map((app, i) => {
    const image = images[i]!;
    if (!DNS_LABEL.test(app)) throw new Error(`--app must be a Kubernetes name (lowercase letters, digits, dashes), got "${app}"`);
    if (!IMAGE.test(image)) throw new Error(`--image must be registry/name:tag or registry/name@sha256:digest, got "${image}"`);
    if (/:latest$/.test(image)) throw new Error(`--image ${image}: "latest" is not a release; tag images with the git sha`);
    return { app, image, container: containers[i] ?? app };
  });
  const duplicate = releases.find((release, i) => releases.findIndex((other) => other.app === release.app) !== i);
  if (duplicate) throw new Error(`--app ${duplicate.app} is given twice`);
  if (values.namespace !== undefined && !DNS_LABEL.test(values.namespace))
    throw new Error(`--namespace must be a Kubernetes name, got "${values.namespace}"`);
  const strategy = values.strategy ?? 'rolling';
  if (strategy !== 'rolling' && strategy !== 'canary') throw new Error(`--strategy must be rolling or canary, got "${strategy}"`);
  // An empty value is no value: CI passes its unset secrets and variables as "".
  const flags = Object.fromEntries(
    Object.entries(values).filter(
      ([flag, value]) => (CANARY_FLAGS.has(flag as `canary-${string}`) || flag === 'prometheus-url') && value !== '',
    ),
  ) as FlagValues;
  const given = Object.keys(flags);
  if (strategy !== 'canary' && given.length > 0)
    throw new Error(`--${given[0]} applies to --strategy canary only; add --strategy canary or drop it`);
  // Every app's settings are checked on every deploy, rolling too: staging finds a bad one before production's canary.
  const releasesWithCanary = releases.map((release) => ({
    ...release,
    canary: canarySettings(flags, release.app, appCanary(release.app) ?? {}),
  }));
  const timeout = values.timeout ?? '5m';
  const timeoutMs = parseDuration(timeout, '--timeout');
  const leaseMs = parseDuration(values['lock-lease'] ?? `${LEASE_SECONDS}s`, '--lock-lease');
  if (leaseMs < 2000 || leaseMs > 3_600_000) throw new Error(`--lock-lease must be from 2s to 1h, got "${values['lock-lease']}"`);
  return {
    releases: releasesWithCanary,
    namespace: values.namespace,
    context: values.context,
    kubeconfig: values.kubeconfig,
    timeout: `${Math.ceil(timeoutMs / 1000)}s`,
    timeoutMs,
    parallel: values.parallel ?? false,
    dryRun: values['dry-run'] ?? false,
    strategy,
    leaseSeconds: Math.ceil(leaseMs / 1000),
  };
}

/** Where the cluster is: what every kubectl call takes, and all that --cleanup needs. */
export type ClusterOptions = Pick<DeployOptions, 'namespace' | 'context' | 'kubeconfig'>;

/** --cleanup's apps and cluster flags, checked as a deploy's are; it takes no image, strategy or setting. */
export function cleanupOptions(values: {
  app?: string[];
  image?: string[];
  namespace?: string;
  context?: string;
  kubeconfig?: string;
}): ClusterOptions & { apps: string[] } {
  const apps = values.app ?? [];
  if (apps.length === 0) throw new Error('--cleanup needs the --app NAME (or names) whose canary and lock to clean up');
  if ((values.image ?? []).length > 0) throw new Error('--cleanup deploys nothing: drop --image');
  for (const app of apps)
    if (!DNS_LABEL.test(app)) throw new Error(`--app must be a Kubernetes name (lowercase letters, digits, dashes), got "${app}"`);
  if (values.namespace !== undefined && !DNS_LABEL.test(values.namespace))
    throw new Error(`--namespace must be a Kubernetes name, got "${values.namespace}"`);
  return { apps, namespace: values.namespace, context: values.context, kubeconfig: values.kubeconfig };
}

/** kubectl's global flags for these options, before every command. */
export function kubectlFlags(options: ClusterOptions): string[] {
  return [
    ...(options.kubeconfig ? ['--kubeconfig', options.kubeconfig] : []),
    ...(options.context ? ['--context', options.context] : []),
    ...(options.namespace ? ['--namespace', options.namespace] : []),
  ];
}

/** The runbook for one app, as kubectl argument lists: never a shell string, so no value is ever interpreted. */
export function runbook(release: AppRelease, options: DeployOptions) {
  const flags = kubectlFlags(options);
  const deployment = `deployment/${release.app}`;
  return {
    show: [...flags, 'get', deployment, '-o', 'json'],
    setImage: [...flags, 'set', 'image', deployment, `${release.container}=${release.image}`],
    waitForRollout: [...flags, 'rollout', 'status', deployment, `--timeout=${options.timeout}`],
    /** Back to `revision` (the one running before the release), so a repeated undo changes nothing more. */
    undo: (revision?: string) => [...flags, 'rollout', 'undo', deployment, ...(revision ? [`--to-revision=${revision}`] : [])],
    replicaSets: (selector: string) => [...flags, 'get', 'replicasets', '-l', selector, '-o', 'json'],
    pods: (selector: string) => [...flags, 'get', 'pods', '-l', selector, '-o', 'json'],
    events: [...flags, 'get', 'events', '-o', 'json'],
  };
}
