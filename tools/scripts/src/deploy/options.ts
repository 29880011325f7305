import { parseDuration } from '../measures';

export interface AppRelease {
  app: string;
  image: string;
  /** The container to set the image of; our manifests name it after the app. */
  container: string;
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
}

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
}): DeployOptions {
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
  const timeout = values.timeout ?? '5m';
  const timeoutMs = parseDuration(timeout, '--timeout');
  return {
    releases,
    namespace: values.namespace,
    context: values.context,
    kubeconfig: values.kubeconfig,
    timeout: `${Math.ceil(timeoutMs / 1000)}s`,
    timeoutMs,
    parallel: values.parallel ?? false,
    dryRun: values['dry-run'] ?? false,
  };
}

/** kubectl's global flags for these options, before every command. */
export function kubectlFlags(options: Pick<DeployOptions, 'kubeconfig' | 'context' | 'namespace'>): string[] {
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
    undo: [...flags, 'rollout', 'undo', deployment],
    replicaSets: (selector: string) => [...flags, 'get', 'replicasets', '-l', selector, '-o', 'json'],
    pods: (selector: string) => [...flags, 'get', 'pods', '-l', selector, '-o', 'json'],
    events: [...flags, 'get', 'events', '-o', 'json'],
  };
}
