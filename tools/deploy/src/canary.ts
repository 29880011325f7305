// The canary release of one app: a `<app>-canary` Deployment on the new image behind the app's Service, judged
// interval by interval against the stable pods (canary-analysis.ts) on numbers from canary-metrics.ts. Abort:
// the canary goes, the stable Deployment was never touched. Promote: the rolling release (rollout.ts), then the
// canary goes. The app's deploy lock (lock.ts) is held throughout; the canary names its holder, and is deleted
// only by its own uid, so no deploy ever deletes another's.
import { setTimeout as sleep } from 'node:timers/promises';
import { table } from '@mcp-fleet/cli-kit';
import { analysisTable, decide, judge, type IntervalResult } from './canary-analysis';
import { podProxySource, prometheusSource, TRACK, type MetricsSource } from './canary-metrics';
import { selectorOf, type DeploymentJson } from './diagnosis';
import { kubectlFlags, runbook, type AppRelease, type CanarySettings, type ClusterOptions, type DeployOptions } from './options';
import {
  currentRelease,
  diagnose,
  interruptedBefore,
  reasonOf,
  rolloutWithRollback,
  type Kubectl,
  type ReleaseOutcome,
  type Stops,
} from './rollout';

/** The annotation that names the deploy a canary belongs to (its lock's holder). */
const HOLDER = 'mcp-fleet.dev/deploy-lock-holder';

export interface ServiceJson {
  spec?: { selector?: Record<string, string> };
}

export const canaryName = (app: string) => `${app}-canary`;

/** Labels (of the stable pods, or the stable selector) moved to the canary's track. */
const onCanaryTrack = (labels: Record<string, string> | undefined): Record<string, string> => ({ ...labels, [TRACK]: 'canary' });

/** Canary pods for a weight: at least one, `weight` percent of all pods as near as whole pods allow. */
export function canaryReplicas(stableReplicas: number, weight: number): { replicas: number; actualWeight: number } {
  const replicas = Math.max(1, Math.round((stableReplicas * weight) / (100 - weight)));
  return { replicas, actualWeight: (100 * replicas) / (replicas + stableReplicas) };
}

/** Why this app cannot carry a canary, each with its fix; empty when it can. Checked before anything is created. */
export function canaryProblems(app: string, stable: DeploymentJson, service: ServiceJson | undefined, container: string): string[] {
  const problems: string[] = [];
  const selector = stable.spec.selector.matchLabels;
  if (!selector[TRACK] || selector[TRACK] === 'canary') {
    problems.push(
      `deployment/${app}'s selector has no ${TRACK} label, so it would count the canary's pods as its own (its HPA and ReplicaSets too); ` +
        `give its selector and pod labels ${TRACK}: stable (deploy/mcp-service does; a selector cannot change in place, so recreate the Deployment)`,
    );
  }
  const canaryLabels = onCanaryTrack(stable.spec.template.metadata?.labels);
  if (!service) problems.push(`service/${app} not found: the canary is reached through the app's Service, named after the app`);
  else {
    const serviceSelector = service.spec?.selector ?? {};
    if (TRACK in serviceSelector)
      problems.push(
        `service/${app} selects ${TRACK}=${serviceSelector[TRACK]}, so it would never send the canary a request; remove that key from its selector`,
      );
    const missing = Object.entries(serviceSelector).filter(([label, value]) => label !== TRACK && canaryLabels[label] !== value);
    if (missing.length > 0 || Object.keys(serviceSelector).length === 0) {
      problems.push(
        `service/${app}'s selector (${selectorOf(serviceSelector) || 'none'}) does not select the app's pods by their labels; it must select by labels the pod template carries`,
      );
    }
  }
  const ports = stable.spec.template.spec.containers.find((c) => c.name === container)?.ports ?? [];
  if (ports.length === 0)
    problems.push(
      `deployment/${app}'s container "${container}" declares no port, so its /metrics cannot be read; declare containerPort (named http)`,
    );
  const wanted = stable.spec.replicas ?? 1;
  if ((stable.status?.availableReplicas ?? 0) < wanted) {
    problems.push(
      `deployment/${app} has ${stable.status?.availableReplicas ?? 0} of ${wanted} pods available: a canary is compared with healthy stable pods; let it recover (kubectl rollout status deployment/${app}) first`,
    );
  }
  return problems;
}

/** The canary Deployment: the stable one's pod template on the new image, on its own track, naming its deploy. */
export function canaryManifest(stable: DeploymentJson, release: AppRelease, replicas: number, holder: string): object {
  const template = structuredClone(stable.spec.template);
  template.metadata = { ...template.metadata, labels: onCanaryTrack(template.metadata?.labels) };
  template.spec.containers = template.spec.containers.map((c) => (c.name === release.container ? { ...c, image: release.image } : c));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: canaryName(release.app),
      labels: onCanaryTrack(stable.metadata.labels),
      annotations: { [HOLDER]: holder },
    },
    spec: {
      replicas,
      selector: { matchLabels: onCanaryTrack(stable.spec.selector.matchLabels) },
      template,
    },
  };
}

interface CanaryJson {
  metadata: { uid?: string; annotations?: Record<string, string> };
}

/** The app's canary as it is now, or undefined. */
async function readCanary(app: string, options: ClusterOptions, kubectl: Kubectl): Promise<CanaryJson | undefined> {
  const shown = await kubectl([...kubectlFlags(options), 'get', `deployment/${canaryName(app)}`, '-o', 'json', '--ignore-not-found']);
  if (shown.code !== 0) throw new Error(`cannot read deployment/${canaryName(app)}: ${shown.stderr.trim()}`);
  return shown.stdout.trim() ? (JSON.parse(shown.stdout) as CanaryJson) : undefined;
}

/**
 * Deletes the canary with this uid and no other (a precondition the API server checks), with its pods; says what
 * happened. Bounded in time: it runs while the process is being stopped.
 */
async function deleteCanary(
  app: string,
  uid: string | undefined,
  namespace: string,
  options: ClusterOptions,
  kubectl: Kubectl,
): Promise<string> {
  const name = canaryName(app);
  const body = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid } });
  const deleted = await kubectl(
    [
      ...kubectlFlags(options),
      '--request-timeout=30s',
      'delete',
      '--raw',
      `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
      '-f',
      '-',
    ],
    body,
  );
  if (deleted.code === 0) return `canary ${name} deleted`;
  if (/\(NotFound\)/.test(deleted.stderr)) return `canary ${name} already gone`;
  if (/\(Conflict\)/.test(deleted.stderr)) return `canary ${name} left alone: it is another deploy's`;
  return `could not delete the canary, delete it yourself: kubectl delete deployment/${name} (${deleted.stderr.trim()})`;
}

/**
 * Deletes a canary a deploy that did not finish left behind (killed outright, its lease expired), once this deploy
 * holds the lock: no live deploy can own one then. Says what it did, or nothing.
 */
export async function deleteLeftoverCanary(
  app: string,
  namespace: string,
  options: ClusterOptions,
  kubectl: Kubectl,
): Promise<string | undefined> {
  const left = await readCanary(app, options, kubectl);
  if (!left) return undefined;
  const said = await deleteCanary(app, left.metadata.uid, namespace, options, kubectl);
  return `deployment/${canaryName(app)} was left by a deploy that did not finish (${left.metadata.annotations?.[HOLDER] ?? 'no holder named'}): ${said}`;
}

/** For a deploy's cleanup after it was cancelled or failed: deletes the app's canary only if `holder` created it. */
export async function deleteOwnCanary(
  app: string,
  namespace: string,
  holder: string,
  options: ClusterOptions,
  kubectl: Kubectl,
): Promise<string> {
  const canary = await readCanary(app, options, kubectl);
  if (!canary) return `no canary ${canaryName(app)}`;
  const owner = canary.metadata.annotations?.[HOLDER];
  if (owner !== holder) return `canary ${canaryName(app)} left alone: it is ${owner ?? 'no deploy'}'s, not this one's`;
  return deleteCanary(app, canary.metadata.uid, namespace, options, kubectl);
}

/**
 * One app's canary release, under the app's deploy lock (`lock`: its holder and namespace). Never throws for a
 * failed release: the outcome says. Whatever happens after the canary is created — abort, promotion, a crash — the
 * canary is deleted before this returns; an interrupt deletes it at once, before anything else is done.
 */
export async function canaryRelease(
  release: AppRelease,
  options: DeployOptions,
  kubectl: Kubectl,
  say: (line: string) => void,
  stops: Stops,
  lock: { holder: string; namespace: string },
): Promise<ReleaseOutcome> {
  const signal = stops.interrupt;
  const { app, image } = release;
  const flags = kubectlFlags(options);
  const settings = release.canary;
  const name = canaryName(app);
  if (options.dryRun) {
    say(
      `would create deployment/${name} on ${image} (${settings.weight}% of pods), judge it for up to ${settings.limits.maxIntervals} x ${settings.intervalMs / 1000} s, then roll out:`,
    );
    say(`would run: kubectl ${runbook(release, options).setImage.join(' ')}`);
    return { app, image, status: 'planned' };
  }
  const current = await currentRelease(release, options, kubectl);
  if ('report' in current) return { app, image, status: 'not-started', report: current.report };
  const stable = current.deployment;
  const previousImage = current.image;
  const service = await kubectl([...flags, 'get', `service/${app}`, '-o', 'json', '--ignore-not-found']);
  const problems = canaryProblems(
    app,
    stable,
    service.stdout.trim() ? (JSON.parse(service.stdout) as ServiceJson) : undefined,
    release.container,
  );
  if (problems.length > 0)
    return {
      app,
      image,
      previousImage,
      status: 'not-started',
      report: [`${app}: cannot run a canary:`, ...problems.map((p) => `  - ${p}`)].join('\n'),
    };

  const { replicas, actualWeight } = canaryReplicas(stable.spec.replicas ?? 1, settings.weight);
  if (signal.aborted) return interruptedBefore('its canary was made', release, previousImage, signal);
  const created = await kubectl(
    [...flags, 'create', '-f', '-', '-o', 'json'],
    JSON.stringify(canaryManifest(stable, release, replicas, lock.holder)),
  );
  if (created.code !== 0)
    return { app, image, previousImage, status: 'not-started', report: `${app}: cannot create the canary: ${created.stderr.trim()}` };
  const uid = (JSON.parse(created.stdout) as CanaryJson).metadata.uid;
  // Deleted at the first interrupt, whatever is under way; the finally below waits for that same deletion.
  let deletion: Promise<string> | undefined;
  const deleteNow = () => (deletion ??= deleteCanary(app, uid, lock.namespace, options, kubectl));
  signal.addEventListener('abort', deleteNow, { once: true });

  try {
    say(
      `canary ${name}: ${replicas} pod(s) on ${image} beside ${stable.spec.replicas ?? 1} stable (${actualWeight.toFixed(0)}% of pods); waiting for it (up to ${options.timeout}) …`,
    );
    const ready = await kubectl([...flags, 'rollout', 'status', `deployment/${name}`, `--timeout=${options.timeout}`], undefined, signal);
    signal.throwIfAborted();
    if (ready.code !== 0) {
      const report = await diagnose(
        { ...release, app: name },
        options,
        kubectl,
        `the canary never became ready: ${ready.stderr.trim().split('\n').at(-1) ?? ''}`,
      );
      return {
        app,
        image,
        previousImage,
        status: 'canary-aborted',
        report: `${report}\n  canary deleted; deployment/${app} untouched on ${previousImage}`,
      };
    }
    const namespace = options.namespace ?? stable.metadata.namespace ?? 'default';
    const port = stable.spec.template.spec.containers.find((c) => c.name === release.container)!.ports!;
    const source: MetricsSource = settings.prometheusUrl
      ? prometheusSource(settings.prometheusUrl, app, namespace)
      : podProxySource(kubectl, {
          flags,
          namespace,
          port: (port.find((p) => p.name === 'http') ?? port[0]!).containerPort,
          selectors: {
            stable: selectorOf(stable.spec.selector.matchLabels),
            canary: selectorOf(onCanaryTrack(stable.spec.selector.matchLabels)),
          },
        });
    say(
      `judging it every ${settings.intervalMs / 1000} s on ${source.describe}: ${settings.limits.passes} passing interval(s) promote, at most ${settings.limits.maxIntervals} …`,
    );
    const { results, decision } = await bake(source, settings, signal, say);
    const analysis = { decision: decision.why, ...analysisTable(results) };
    if (decision.decision === 'abort') {
      const report = [
        `${app}: canary of ${image} aborted: ${decision.why}`,
        indent(table(analysis.header, analysis.rows)),
        `  canary deleted; deployment/${app} untouched on ${previousImage}`,
      ].join('\n');
      return { app, image, previousImage, status: 'canary-aborted', report, canary: analysis };
    }
    say(`canary passed: ${decision.why}; rolling ${image} out to deployment/${app}`);
    return { ...(await rolloutWithRollback(release, options, kubectl, say, stops)), canary: analysis };
  } catch (error) {
    if (!signal.aborted) throw error;
    return {
      app,
      image,
      previousImage,
      status: 'interrupted',
      report: `${app}: interrupted (${reasonOf(signal)}); canary deleted, deployment/${app} untouched on ${previousImage}`,
    };
  } finally {
    signal.removeEventListener('abort', deleteNow);
    say(await deleteNow());
  }
}

/** Interval after interval until the analysis decides; the signal stops it between or during intervals, reads too. */
async function bake(source: MetricsSource, settings: CanarySettings, signal: AbortSignal, say: (line: string) => void) {
  const results: IntervalResult[] = [];
  let begun = false;
  // A read that failed because the deploy was stopped is no measurement error: the interrupt goes on up.
  const measurementError = (error: unknown, prefix = ''): IntervalResult => {
    signal.throwIfAborted();
    return { verdict: 'error', reasons: [`${prefix}${(error as Error).message}`] };
  };
  for (;;) {
    signal.throwIfAborted();
    if (!begun) {
      try {
        await source.begin(signal);
        begun = true;
      } catch (error) {
        results.push(measurementError(error, 'no baseline: '));
      }
    }
    if (begun) {
      await sleep(settings.intervalMs, undefined, { signal });
      try {
        results.push(judge(await source.next(signal), settings.rules));
      } catch (error) {
        results.push(measurementError(error));
      }
    }
    const last = results.at(-1)!;
    const figures =
      last.canary && last.stable
        ? ` canary ${Math.round(last.canary.requests)} req ${(last.canary.errorRatio * 100).toFixed(1)}% errors, stable ${Math.round(last.stable.requests)} req ${(last.stable.errorRatio * 100).toFixed(1)}% errors`
        : '';
    say(`interval ${results.length}: ${last.verdict}${figures}${last.reasons.length ? ` (${last.reasons.join('; ')})` : ''}`);
    const decision = decide(results, settings.limits);
    if (decision.decision !== 'continue') return { results, decision };
    // A failed baseline waits an interval too, so an unreachable Prometheus or API server is not hammered.
    if (!begun) await sleep(settings.intervalMs, undefined, { signal });
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
