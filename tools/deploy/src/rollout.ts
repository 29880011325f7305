import {
  failureReport,
  imageOf,
  revisionOf,
  rolloutFailure,
  selectorOf,
  type DeploymentJson,
  type EventJson,
  type PodJson,
  type ReplicaSetJson,
} from './diagnosis';
import { runbook, type AppRelease, type DeployOptions } from './options';

/** Runs kubectl with these arguments (no shell), `input` on its stdin, stopped by `signal`, and reports what it did. */
export type Kubectl = (args: string[], input?: string, signal?: AbortSignal) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * What stops a release early. `interrupt` (Ctrl-C, SIGTERM, a lost lock) ends every wait and rolls back;
 * `hurry` (a second signal, later) ends the rollback's wait too. Neither skips undoing or deleting what the
 * release changed or created.
 */
export interface Stops {
  interrupt: AbortSignal;
  hurry: AbortSignal;
}

export interface ReleaseOutcome {
  app: string;
  image: string;
  status: 'rolled-out' | 'rolled-back' | 'rollback-failed' | 'not-started' | 'planned' | 'canary-aborted' | 'interrupted';
  previousImage?: string;
  /** What failed and why, with conditions, pods and events: printed as it is. */
  report?: string;
  /** From the failed `rollout status` to the previous version healthy again. */
  rollbackMs?: number;
  /** A canary's analysis, interval by interval, and what it decided. */
  canary?: { decision: string; header: string[]; rows: string[][] };
}

/** The app's Deployment as it is now, and the image its container runs; or why the release cannot start. */
export async function currentRelease(
  release: AppRelease,
  options: DeployOptions,
  kubectl: Kubectl,
): Promise<{ deployment: DeploymentJson; image: string } | { report: string }> {
  const { app } = release;
  const shown = await kubectl(runbook(release, options).show);
  if (shown.code !== 0) return { report: `${app}: cannot read deployment/${app}: ${shown.stderr.trim()}` };
  const deployment = JSON.parse(shown.stdout) as DeploymentJson;
  const image = imageOf(deployment, release.container);
  if (image) return { deployment, image };
  const names = deployment.spec.template.spec.containers.map((c) => c.name).join(', ');
  return { report: `${app}: deployment/${app} has no container "${release.container}" (it has: ${names}); pass --container` };
}

/**
 * The runbook for one app: set image, wait for the rollout; if it fails, collect why, undo, wait for the
 * previous version to be healthy again, and say all of it. Never throws for a failed release: the outcome says.
 * An interrupt stops the wait like a failure, and the undo comes first (the report after it): an interrupted
 * release is rolled back however soon the process is killed after.
 */
export async function rolloutWithRollback(
  release: AppRelease,
  options: DeployOptions,
  kubectl: Kubectl,
  say: (line: string) => void,
  stops?: Stops,
): Promise<ReleaseOutcome> {
  const signal = stops?.interrupt;
  const steps = runbook(release, options);
  const { app, image } = release;
  if (options.dryRun) {
    for (const args of [steps.setImage, steps.waitForRollout]) say(`would run: kubectl ${args.join(' ')}`);
    say(`and if that fails: kubectl ${steps.undo().join(' ')}, then kubectl ${steps.waitForRollout.join(' ')}`);
    return { app, image, status: 'planned' };
  }

  const current = await currentRelease(release, options, kubectl);
  if ('report' in current) return { app, image, status: 'not-started', report: current.report };
  const previousImage = current.image;
  const previousRevision = revisionOf(current.deployment);
  if (signal?.aborted) return interruptedBefore('its image was set', release, previousImage, signal);

  say(`set image ${release.container}=${image} (was ${previousImage})`);
  const set = await kubectl(steps.setImage);
  if (set.code !== 0)
    return { app, image, previousImage, status: 'not-started', report: `${app}: kubectl set image failed: ${set.stderr.trim()}` };

  say(`waiting for the rollout (up to ${options.timeout}) …`);
  const rollout = signal?.aborted ? { code: 1, stdout: '', stderr: '' } : await kubectl(steps.waitForRollout, undefined, signal);
  if (rollout.code === 0 && !signal?.aborted) {
    say(`rolled out ${image}`);
    return { app, image, previousImage, status: 'rolled-out' };
  }

  const failedAt = performance.now();
  const interrupted = signal?.aborted;
  const failure = interrupted ? `interrupted (${reasonOf(signal!)})` : rolloutFailure(rollout.stderr, options.timeout);
  say(interrupted ? `${failure}: rolling back` : `rollout failed: ${failure}; collecting what happened, then rolling back`);
  // Interrupted, the undo cannot wait for a report: the process may be killed soon after (nx gives it 5 s).
  let report = interrupted ? '' : await diagnose(release, options, kubectl, failure);
  const undo = await kubectl(steps.undo(previousRevision));
  if (interrupted) report = await diagnose(release, options, kubectl, failure);
  const back = undo.code === 0 ? await kubectl(steps.waitForRollout, undefined, stops?.hurry) : undo;
  const rollbackMs = performance.now() - failedAt;
  const rolledBack = (status: 'rolled-back' | 'rollback-failed', line: string): ReleaseOutcome => ({
    app,
    image,
    previousImage,
    status,
    rollbackMs,
    report: `${report}\n  ${line}`,
  });
  if (back.code !== 0 && stops?.hurry.aborted)
    return rolledBack('rolled-back', `rolled back to ${previousImage} (kubectl rollout undo); not waited for: interrupted again`);
  if (back.code !== 0) return rolledBack('rollback-failed', `rollback FAILED: ${back.stderr.trim()}`);
  return rolledBack('rolled-back', `rolled back to ${previousImage}: healthy again ${(rollbackMs / 1000).toFixed(1)} s after the failure`);
}

/** What stopped a release, in words: the signal's name, or the lost lock's error. */
/** The outcome of a release interrupted before it changed anything: `before` says what it had not done yet. */
export function interruptedBefore(before: string, { app, image }: AppRelease, previousImage: string, signal: AbortSignal): ReleaseOutcome {
  return {
    app,
    image,
    previousImage,
    status: 'interrupted',
    report: `${app}: interrupted (${reasonOf(signal)}) before ${before}; deployment/${app} untouched on ${previousImage}`,
  };
}

export const reasonOf = (signal: AbortSignal): string => (signal.reason instanceof Error ? signal.reason.message : String(signal.reason));

export async function diagnose(release: AppRelease, options: DeployOptions, kubectl: Kubectl, failure: string): Promise<string> {
  const steps = runbook(release, options);
  const json = async <T>(args: string[]): Promise<T | undefined> => {
    const result = await kubectl(args);
    return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
  };
  const deployment = (await json<DeploymentJson>(steps.show))!;
  const replicaSets =
    (await json<{ items: ReplicaSetJson[] }>(steps.replicaSets(selectorOf(deployment.spec.selector.matchLabels))))?.items ?? [];
  const newest = replicaSets.find((rs) => revisionOf(rs) === revisionOf(deployment));
  const pods = newest ? ((await json<{ items: PodJson[] }>(steps.pods(selectorOf(newest.spec.selector.matchLabels))))?.items ?? []) : [];
  const events = (await json<{ items: EventJson[] }>(steps.events))?.items ?? [];
  return failureReport({ app: release.app, image: release.image, failure, deployment, replicaSet: newest, pods, events });
}
