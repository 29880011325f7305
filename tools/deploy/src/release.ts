// One app's release as deploy.ts runs it, and what CI's cleanup step undoes: the app's lock around the release,
// whatever the strategy, and nothing left behind that this deploy created.
import { canaryRelease, deleteLeftoverCanary, deleteOwnCanary } from './canary';
import { acquireLock, deleteLease, namespaceOf, readLease } from './lock';
import type { AppRelease, ClusterOptions, DeployOptions } from './options';
import { rolloutWithRollback, type Kubectl, type ReleaseOutcome, type Stops } from './rollout';

/**
 * Takes the app's deploy lock (or is refused: another deploy holds it), deletes a canary a deploy that did not
 * finish left, releases by the strategy, and lets the lock go whatever happened. Losing the lock mid-release
 * interrupts it as a signal would.
 */
export async function lockedRelease(
  release: AppRelease,
  options: DeployOptions,
  kubectl: Kubectl,
  say: (line: string) => void,
  stops: Stops,
  holder: string,
): Promise<ReleaseOutcome> {
  const { app, image } = release;
  if (options.dryRun) {
    const plan = { holder, namespace: options.namespace ?? '' };
    return options.strategy === 'canary'
      ? canaryRelease(release, options, kubectl, say, stops, plan)
      : rolloutWithRollback(release, options, kubectl, say, stops);
  }
  const lock = await acquireLock({ app, options, kubectl, holder });
  if ('refused' in lock) return { app, image, status: 'not-started', report: `${app}: ${lock.refused}` };
  if (lock.tookOverFrom) say(`took the deploy lock over from ${lock.tookOverFrom}, whose lease had expired`);
  try {
    const leftover = await deleteLeftoverCanary(app, lock.namespace, options, kubectl);
    if (leftover) say(leftover);
    const within: Stops = { interrupt: AbortSignal.any([stops.interrupt, lock.lost]), hurry: stops.hurry };
    return options.strategy === 'canary'
      ? await canaryRelease(release, options, kubectl, say, within, lock)
      : await rolloutWithRollback(release, options, kubectl, say, within);
  } finally {
    say(await lock.release());
  }
}

/**
 * After a deploy that was cancelled, failed or killed (CI's cleanup step): deletes the app's canary and its deploy
 * lock if, and only if, `holder` (this run) holds them. Says what it did.
 */
export async function cleanUpAfter(
  app: string,
  options: ClusterOptions,
  kubectl: Kubectl,
  holder: string,
  say: (line: string) => void,
): Promise<void> {
  const namespace = await namespaceOf(options, kubectl);
  say(await deleteOwnCanary(app, namespace, holder, options, kubectl));
  const lease = await readLease(app, namespace, options, kubectl);
  const owner = lease?.spec?.holderIdentity;
  if (!lease) say('no deploy lock held');
  else if (owner !== holder) say(`deploy lock left alone: it is ${owner ?? 'no deploy'}'s, not this one's`);
  else say(await deleteLease(app, namespace, lease.metadata.resourceVersion, options, kubectl));
}
