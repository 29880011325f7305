import { parseDuration } from '../measures';
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
 * The canary's settings: flag, default, range and what it means. One table gives the parsing, the checks, the
 * usage text and the README's list, so they cannot disagree. Percentages are given in percent. An app sets its
 * own in package.json `mcpFleet.canary`, by the flag's name without `canary-`, camel-cased (`maxErrorRatio`);
 * a flag wins over the app's setting, the app's over the default.
 */
export const CANARY_FLAGS = {
  'canary-weight': { default: 10, min: 1, max: 50, whole: true, help: 'percent of pods on the new image (by replica count; at least one pod)' },
  'canary-interval': { default: '1m', min: 1, max: 3600, whole: false, help: 'length of one analysis interval (1s to 1h)' },
  'canary-passes': { default: 5, min: 1, max: 100, whole: true, help: 'passing intervals needed to promote' },
  'canary-max-intervals': { default: undefined, min: 1, max: 1000, whole: true, help: 'the maximum bake, in intervals; not promoted by then is an abort (default: twice the passes)' },
  'canary-max-failures': { default: 1, min: 1, max: 1000, whole: true, help: 'abort at this many failing intervals' },
  'canary-max-inconclusive': { default: undefined, min: 1, max: 1000, whole: true, help: 'abort at this many inconclusive intervals (default: the maximum bake)' },
  'canary-max-errors': { default: 3, min: 1, max: 1000, whole: true, help: 'abort at this many measurement errors in a row' },
  'canary-min-requests': { default: 50, min: 1, max: 1e9, whole: true, help: 'requests each track must serve in an interval for a verdict; fewer is inconclusive' },
  'canary-error-margin': { default: 1, min: 0, max: 100, whole: false, help: "percentage points the canary's server-error ratio may exceed the stable pods'" },
  'canary-max-error-ratio': { default: 5, min: 0, max: 100, whole: false, help: 'percent of server errors the canary may never exceed' },
  'canary-max-latency-ratio': { default: 1.5, min: 1, max: 100, whole: false, help: "the canary's p95 latency as a multiple of the stable pods' at most" },
} as const;
type CanaryFlag = keyof typeof CANARY_FLAGS;
type CanaryValues = Partial<Record<CanaryFlag, string>>;

/** `canary-max-error-ratio` is `maxErrorRatio` in an app's `mcpFleet.canary`. */
export const settingName = (flag: CanaryFlag) => flag.replace(/^canary-/, '').replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

/** Where a value came from, to name it in an error: the flag, or the app's package.json key. */
type Source = (flag: CanaryFlag) => string;

/** An app's `mcpFleet.canary` as flag values; an unknown key or a value of the wrong type is refused by name. */
function appCanaryValues(app: string, settings: unknown): { values: CanaryValues; source: Source } {
  const where = (key: string) => `mcpFleet.canary.${key} in apps/${app}/package.json`;
  const source: Source = (flag) => where(settingName(flag));
  if (settings === undefined) return { values: {}, source };
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new Error(`mcpFleet.canary in apps/${app}/package.json must be an object of settings, got ${JSON.stringify(settings)}`);
  const flags = new Map((Object.keys(CANARY_FLAGS) as CanaryFlag[]).map((flag) => [settingName(flag), flag]));
  const values: CanaryValues = {};
  for (const [key, value] of Object.entries(settings)) {
    const flag = flags.get(key);
    if (!flag) throw new Error(`${where(key)} is not a canary setting; the settings are ${[...flags.keys()].join(', ')}`);
    if (typeof value !== 'number' && typeof value !== 'string') throw new Error(`${where(key)} must be a number${flag === 'canary-interval' ? ' or a duration such as "2m"' : ''}, got ${JSON.stringify(value)}`);
    values[flag] = String(value);
  }
  return { values, source };
}

/** The canary settings of one app: flags over its own settings over the defaults, each checked against its range. */
function canarySettings(flagValues: CanaryValues & { 'prometheus-url'?: string }, app: { values: CanaryValues; source: Source }): CanarySettings {
  const fromFlag = (flag: CanaryFlag) => flagValues[flag] !== undefined;
  const values: CanaryValues = { ...app.values, ...Object.fromEntries(Object.entries(flagValues).filter(([flag]) => flag in CANARY_FLAGS)) };
  const name = (flag: CanaryFlag) => (fromFlag(flag) ? `--${flag}` : app.source(flag));
  const number = (flag: CanaryFlag, fallback?: number): number => {
    const spec = CANARY_FLAGS[flag];
    const text = values[flag];
    const value = flag === 'canary-interval' ? parseDuration(text ?? String(spec.default), name(flag)) / 1000 : text === undefined ? (fallback ?? (spec.default as number)) : Number(text);
    if (!Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw new Error(`${name(flag)} must be from ${spec.min} to ${spec.max}${flag === 'canary-interval' ? ' seconds' : ''} (${spec.help}), got "${text}"`);
    }
    if (spec.whole && !Number.isInteger(value)) throw new Error(`${name(flag)} must be a whole number (${spec.help}), got "${text}"`);
    return value;
  };
  const passes = number('canary-passes');
  const maxIntervals = number('canary-max-intervals', passes * 2);
  if (maxIntervals < passes) {
    throw new Error(`${name('canary-max-intervals')} ${maxIntervals} is fewer than ${name('canary-passes')} ${passes}: the canary could never be promoted; raise it to ${passes} or more`);
  }
  const url = flagValues['prometheus-url'];
  if (url && !/^https?:\/\/[^\s/]+/.test(url)) throw new Error(`--prometheus-url must be an http(s) URL such as http://prometheus.monitoring:9090, got "${url}"`);
  return {
    weight: number('canary-weight'),
    intervalMs: number('canary-interval') * 1000,
    rules: {
      minRequests: number('canary-min-requests'),
      errorMargin: number('canary-error-margin') / 100,
      maxErrorRatio: number('canary-max-error-ratio') / 100,
      maxLatencyRatio: number('canary-max-latency-ratio'),
    },
    limits: {
      passes,
      maxIntervals,
      maxFailures: number('canary-max-failures'),
      maxInconclusive: number('canary-max-inconclusive', maxIntervals),
      maxErrors: number('canary-max-errors'),
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
export function deployOptions(values: {
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
} & CanaryValues,
  /** An app's `mcpFleet.canary`, if it has one (deploy.ts reads apps/<app>/package.json). */
  appCanary: (app: string) => unknown = () => undefined,
): DeployOptions {
  const apps = values.app ?? [];
  const images = values.image ?? [];
  const containers = values.container ?? [];
  if (apps.length === 0) throw new Error('give at least one --app NAME --image REF pair');
  if (apps.length !== images.length) throw new Error(`every --app needs its --image: got ${apps.length} --app and ${images.length} --image`);
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
  if (values.namespace !== undefined && !DNS_LABEL.test(values.namespace)) throw new Error(`--namespace must be a Kubernetes name, got "${values.namespace}"`);
  const strategy = values.strategy ?? 'rolling';
  if (strategy !== 'rolling' && strategy !== 'canary') throw new Error(`--strategy must be rolling or canary, got "${strategy}"`);
  // An empty value is no value: CI passes its unset secrets and variables as "".
  const flags = Object.fromEntries(Object.entries(values).filter(([flag, value]) => (flag in CANARY_FLAGS || flag === 'prometheus-url') && value !== '')) as CanaryValues & { 'prometheus-url'?: string };
  const given = Object.keys(flags);
  if (strategy !== 'canary' && given.length > 0) throw new Error(`--${given[0]} applies to --strategy canary only; add --strategy canary or drop it`);
  // Every app's settings are checked on every deploy, rolling too: staging finds a bad one before production's canary.
  const releasesWithCanary = releases.map((release) => ({ ...release, canary: canarySettings(flags, appCanaryValues(release.app, appCanary(release.app))) }));
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
export function cleanupOptions(values: { app?: string[]; image?: string[]; namespace?: string; context?: string; kubeconfig?: string }): ClusterOptions & { apps: string[] } {
  const apps = values.app ?? [];
  if (apps.length === 0) throw new Error('--cleanup needs the --app NAME (or names) whose canary and lock to clean up');
  if ((values.image ?? []).length > 0) throw new Error('--cleanup deploys nothing: drop --image');
  for (const app of apps) if (!DNS_LABEL.test(app)) throw new Error(`--app must be a Kubernetes name (lowercase letters, digits, dashes), got "${app}"`);
  if (values.namespace !== undefined && !DNS_LABEL.test(values.namespace)) throw new Error(`--namespace must be a Kubernetes name, got "${values.namespace}"`);
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
