// The canary release of one app: a `<app>-canary` Deployment on the new image behind the app's Service, judged
// interval by interval against the stable pods (canary-analysis.ts) on numbers from canary-metrics.ts. Abort:
// the canary goes, the stable Deployment was never touched. Promote: the rolling release (rollout.ts), then the
// canary goes. The canary is also the lock: creating it fails while another deploy of the app holds one.
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { table } from '../report';
import { analysisTable, decide, judge, type IntervalResult } from './canary-analysis';
import { podProxySource, prometheusSource, TRACK, type MetricsSource } from './canary-metrics';
import { selectorOf, type DeploymentJson } from './diagnosis';
import { kubectlFlags, runbook, type AppRelease, type CanarySettings, type DeployOptions } from './options';
import { currentRelease, diagnose, rolloutWithRollback, type Kubectl, type ReleaseOutcome } from './rollout';

const LOCK_EXPIRES = 'mcp-fleet.dev/deploy-lock-expires';
const LOCK_HOLDER = 'mcp-fleet.dev/deploy-lock-holder';

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
    if (TRACK in serviceSelector) problems.push(`service/${app} selects ${TRACK}=${serviceSelector[TRACK]}, so it would never send the canary a request; remove that key from its selector`);
    const missing = Object.entries(serviceSelector).filter(([label, value]) => label !== TRACK && canaryLabels[label] !== value);
    if (missing.length > 0 || Object.keys(serviceSelector).length === 0) {
      problems.push(`service/${app}'s selector (${selectorOf(serviceSelector) || 'none'}) does not select the app's pods by their labels; it must select by labels the pod template carries`);
    }
  }
  const ports = stable.spec.template.spec.containers.find((c) => c.name === container)?.ports ?? [];
  if (ports.length === 0) problems.push(`deployment/${app}'s container "${container}" declares no port, so its /metrics cannot be read; declare containerPort (named http)`);
  const wanted = stable.spec.replicas ?? 1;
  if ((stable.status?.availableReplicas ?? 0) < wanted) {
    problems.push(`deployment/${app} has ${stable.status?.availableReplicas ?? 0} of ${wanted} pods available: a canary is compared with healthy stable pods; let it recover (kubectl rollout status deployment/${app}) first`);
  }
  return problems;
}

/** The canary Deployment: the stable one's pod template on the new image, on its own track, holding the lock. */
export function canaryManifest(stable: DeploymentJson, release: AppRelease, replicas: number, lockExpires: Date, holder: string): object {
  const template = structuredClone(stable.spec.template);
  template.metadata = { ...template.metadata, labels: onCanaryTrack(template.metadata?.labels) };
  template.spec.containers = template.spec.containers.map((c) => (c.name === release.container ? { ...c, image: release.image } : c));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: canaryName(release.app),
      labels: onCanaryTrack(stable.metadata.labels),
      annotations: { [LOCK_EXPIRES]: lockExpires.toISOString(), [LOCK_HOLDER]: holder },
    },
    spec: {
      replicas,
      selector: { matchLabels: onCanaryTrack(stable.spec.selector.matchLabels) },
      template,
    },
  };
}

/** Who holds the app's deploy lock (its canary Deployment), unless there is none or it expired. */
export async function lockHolder(app: string, options: DeployOptions, kubectl: Kubectl): Promise<string | undefined> {
  const shown = await kubectl([...kubectlFlags(options), 'get', `deployment/${canaryName(app)}`, '-o', 'json', '--ignore-not-found']);
  if (shown.code !== 0 || shown.stdout.trim() === '') return undefined;
  const annotations = (JSON.parse(shown.stdout) as DeploymentJson).metadata.annotations ?? {};
  const expires = Date.parse(annotations[LOCK_EXPIRES] ?? '');
  if (!(expires > Date.now())) return undefined;
  return `another deploy of ${app} is running (${annotations[LOCK_HOLDER] ?? 'unknown holder'}, its lock expires ${annotations[LOCK_EXPIRES]}); wait for it, or if it was killed outright: kubectl delete deployment/${canaryName(app)}`;
}

/**
 * One app's canary release. Never throws for a failed release: the outcome says. Whatever happens after the
 * canary is created — abort, promotion, a crash, `signal` (Ctrl-C, SIGTERM) — the canary is deleted before this returns.
 */
export async function canaryRelease(release: AppRelease, options: DeployOptions, kubectl: Kubectl, say: (line: string) => void, signal: AbortSignal): Promise<ReleaseOutcome> {
  const { app, image } = release;
  const flags = kubectlFlags(options);
  const settings = release.canary;
  const name = canaryName(app);
  if (options.dryRun) {
    say(`would create deployment/${name} on ${image} (${settings.weight}% of pods), judge it for up to ${settings.limits.maxIntervals} x ${settings.intervalMs / 1000} s, then roll out:`);
    say(`would run: kubectl ${runbook(release, options).setImage.join(' ')}`);
    return { app, image, status: 'planned' };
  }
  const current = await currentRelease(release, options, kubectl);
  if ('report' in current) return { app, image, status: 'not-started', report: current.report };
  const stable = current.deployment;
  const previousImage = current.image;
  const service = await kubectl([...flags, 'get', `service/${app}`, '-o', 'json', '--ignore-not-found']);
  const problems = canaryProblems(app, stable, service.stdout.trim() ? (JSON.parse(service.stdout) as ServiceJson) : undefined, release.container);
  if (problems.length > 0) return { app, image, previousImage, status: 'not-started', report: [`${app}: cannot run a canary:`, ...problems.map((p) => `  - ${p}`)].join('\n') };

  const { replicas, actualWeight } = canaryReplicas(stable.spec.replicas ?? 1, settings.weight);
  const bakeMs = settings.limits.maxIntervals * settings.intervalMs;
  const expires = new Date(Date.now() + 2 * options.timeoutMs + bakeMs + 10 * 60_000);
  const holder = `${userInfo().username}@${hostname()} pid ${process.pid}${process.env.GITHUB_RUN_ID ? `, GitHub run ${process.env.GITHUB_RUN_ID}` : ''}`;
  const created = await createCanary(canaryManifest(stable, release, replicas, expires, holder), app, options, kubectl, say);
  if (created) return { app, image, previousImage, status: 'not-started', report: `${app}: ${created}` };

  try {
    say(`canary ${name}: ${replicas} pod(s) on ${image} beside ${stable.spec.replicas ?? 1} stable (${actualWeight.toFixed(0)}% of pods); waiting for it (up to ${options.timeout}) …`);
    const ready = await kubectl([...flags, 'rollout', 'status', `deployment/${name}`, `--timeout=${options.timeout}`]);
    if (ready.code !== 0) {
      const report = await diagnose({ ...release, app: name }, options, kubectl, `the canary never became ready: ${ready.stderr.trim().split('\n').at(-1) ?? ''}`);
      return { app, image, previousImage, status: 'canary-aborted', report: `${report}\n  canary deleted; deployment/${app} untouched on ${previousImage}` };
    }
    const namespace = options.namespace ?? stable.metadata.namespace ?? 'default';
    const port = stable.spec.template.spec.containers.find((c) => c.name === release.container)!.ports!;
    const source: MetricsSource = settings.prometheusUrl
      ? prometheusSource(settings.prometheusUrl, app, namespace)
      : podProxySource(kubectl, {
          flags,
          namespace,
          port: (port.find((p) => p.name === 'http') ?? port[0]!).containerPort,
          selectors: { stable: selectorOf(stable.spec.selector.matchLabels), canary: selectorOf(onCanaryTrack(stable.spec.selector.matchLabels)) },
        });
    say(`judging it every ${settings.intervalMs / 1000} s on ${source.describe}: ${settings.limits.passes} passing interval(s) promote, at most ${settings.limits.maxIntervals} …`);
    const { results, decision } = await bake(source, settings, signal, say);
    const analysis = { decision: decision.why, ...analysisTable(results) };
    if (decision.decision === 'abort') {
      const report = [`${app}: canary of ${image} aborted: ${decision.why}`, indent(table(analysis.header, analysis.rows)), `  canary deleted; deployment/${app} untouched on ${previousImage}`].join('\n');
      return { app, image, previousImage, status: 'canary-aborted', report, canary: analysis };
    }
    say(`canary passed: ${decision.why}; rolling ${image} out to deployment/${app}`);
    return { ...(await rolloutWithRollback(release, options, kubectl, say, signal)), canary: analysis };
  } catch (error) {
    if (!signal.aborted) throw error;
    return { app, image, previousImage, status: 'interrupted', report: `${app}: interrupted (${String(signal.reason)}); canary deleted, deployment/${app} untouched on ${previousImage}` };
  } finally {
    const deleted = await kubectl([...flags, 'delete', `deployment/${name}`, '--ignore-not-found', '--wait=false']);
    say(deleted.code === 0 ? `canary ${name} deleted` : `could not delete the canary, delete it yourself: kubectl delete deployment/${name} (${deleted.stderr.trim()})`);
  }
}

/** Creates the canary, which takes the lock; an expired lock (a deploy killed outright) is cleared once. */
async function createCanary(manifest: object, app: string, options: DeployOptions, kubectl: Kubectl, say: (line: string) => void): Promise<string | undefined> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const created = await kubectl([...kubectlFlags(options), 'create', '-f', '-', '-o', 'name'], JSON.stringify(manifest));
    if (created.code === 0) return undefined;
    if (!/AlreadyExists/.test(created.stderr)) return `cannot create the canary: ${created.stderr.trim()}`;
    const held = await lockHolder(app, options, kubectl);
    if (held) return held;
    say(`deployment/${canaryName(app)} is left from a deploy that did not finish (its lock expired): deleting it`);
    await kubectl([...kubectlFlags(options), 'delete', `deployment/${canaryName(app)}`, '--ignore-not-found']);
  }
  return `deployment/${canaryName(app)} exists and could not be replaced`;
}

/** Interval after interval until the analysis decides; the signal stops it between or during intervals. */
async function bake(source: MetricsSource, settings: CanarySettings, signal: AbortSignal, say: (line: string) => void) {
  const results: IntervalResult[] = [];
  let begun = false;
  for (;;) {
    signal.throwIfAborted();
    if (!begun) {
      try {
        await source.begin();
        begun = true;
      } catch (error) {
        results.push({ verdict: 'error', reasons: [`no baseline: ${(error as Error).message}`] });
      }
    }
    if (begun) {
      await sleep(settings.intervalMs, undefined, { signal });
      try {
        results.push(judge(await source.next(), settings.rules));
      } catch (error) {
        results.push({ verdict: 'error', reasons: [(error as Error).message] });
      }
    }
    const last = results.at(-1)!;
    const figures = last.canary && last.stable ? ` canary ${Math.round(last.canary.requests)} req ${(last.canary.errorRatio * 100).toFixed(1)}% errors, stable ${Math.round(last.stable.requests)} req ${(last.stable.errorRatio * 100).toFixed(1)}% errors` : '';
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
