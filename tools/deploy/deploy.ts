#!/usr/bin/env -S node --import tsx
// The deploy runbook: for each app, set the image, wait for the rollout, and if it fails roll back on its own,
// wait until the previous version is healthy, and say why. Decisions live in src/; this file wires them.
import { appendFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CANARY_SETTINGS, readApp, type CanaryManifest } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { kubectl } from './src/kubectl';
import { holderIdentity } from './src/lock';
import { CANARY_FLAGS, cleanupOptions, deployOptions, LEASE_SECONDS, type DeployOptions } from './src/options';
import { cleanUpAfter, lockedRelease } from './src/release';
import type { ReleaseOutcome } from './src/rollout';
import { markdownSummary } from './src/summary';

const usage = `
Usage: npm run deploy -- --app NAME --image REF [--app NAME --image REF …] [options]
       npx nx run <app>:deploy --image REF [options]
       npm run deploy -- --cleanup --app NAME [--app NAME …] [--namespace NS]

For each app: kubectl set image deployment/<app> <app>=<image>, then kubectl rollout status --timeout.
When the rollout fails (progress deadline exceeded, timeout, crash loop): collect the Deployment's conditions,
the new ReplicaSet's pods and recent events, kubectl rollout undo --to-revision (the one before), wait for the
previous version to be healthy, print the report, and exit 1. Exit 0 only when every app rolled out.

  --app NAME          a Deployment (and its container) named after the app; repeat for several apps
  --image REF         the image for the --app before it: registry/name:tag or @sha256:…; never "latest"
  --container NAME    the container to update, when it is not named after the app (one per --app)
  --namespace NS      default: the kubeconfig context's namespace
  --context NAME      kubeconfig context
  --kubeconfig FILE   default: $KUBECONFIG or ~/.kube/config
  --timeout TIME      how long each rollout (and each rollback) may take (default 5m)
  --parallel          deploy the apps at once, each rolled back on its own (default: one after another)
  --dry-run           print the kubectl commands and change nothing
  --summary FILE      also append the outcome as Markdown to FILE, failure reports included (CI passes
                      $GITHUB_STEP_SUMMARY, so a failed rollout is explained on the run's page)
  --strategy NAME     rolling (default) or canary: first a <app>-canary Deployment on the new image behind the
                      same Service, compared with the stable pods interval by interval (server-error ratio with
                      a margin and a ceiling, p95 latency ratio); it promotes to the rolling release above, or
                      aborts with the stable Deployment untouched and exits 1. docs/deploy.md: "Canary releases".
  --prometheus-url URL  read the canary's numbers from this Prometheus (default: each pod's /metrics through
                      the API server's pod proxy)
  --lock-lease TIME   how long the app's deploy lock (the Lease <app>-deploy) holds without renewal; a deploy
                      renews it every third of that, and one killed outright frees it after it (default ${LEASE_SECONDS}s)
  --cleanup           deploy nothing: delete the canary and the deploy lock of each --app if this GitHub Actions
                      run holds them (deploy.yml's step after a cancelled or failed deploy)
${[...CANARY_FLAGS]
  .map(
    ([flag, key]) =>
      `  --${flag.padEnd(28)}${CANARY_SETTINGS[key].help}${CANARY_SETTINGS[key].default === undefined ? '' : ` (default ${CANARY_SETTINGS[key].default})`}`,
  )
  .join('\n')}
An app sets its own canary settings in its package.json, mcpFleet.canary, by these names without "canary-",
camel-cased ({ "interval": "2m", "maxErrorPercent": 2 }); a flag wins over the app's setting.
One deploy of an app at a time: each takes the app's lock (a Lease it renews) and another is refused meanwhile.
Ctrl-C, SIGTERM or SIGHUP deletes a canary at once, then rolls back a rollout under way, lets the lock go and
exits 130 / 143 / 129. Signals within a second of it are the same one (npm and nx pass Ctrl-C on again); a later
one stops waiting for the rollback, but nothing this deploy created is ever left behind.
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string', multiple: true },
  image: { type: 'string', multiple: true },
  container: { type: 'string', multiple: true },
  namespace: { type: 'string' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  timeout: { type: 'string' },
  parallel: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  summary: { type: 'string' },
  strategy: { type: 'string' },
  'prometheus-url': { type: 'string' },
  'lock-lease': { type: 'string' },
  cleanup: { type: 'boolean' },
  ...(Object.fromEntries([...CANARY_FLAGS.keys()].map((flag) => [flag, { type: 'string' }])) as Record<string, { type: 'string' }>),
});

/**
 * An app's own canary settings: `mcpFleet.canary` in apps/<app>/package.json of the nearest folder above the
 * current one that has it (CI runs it at the root, nx in the app's folder; a checkout need not hold nx.json, so
 * not workspaceRoot); none for an app that is not there.
 */
function appCanary(app: string): CanaryManifest | undefined {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'apps', app, 'package.json'))) return readApp(dir, app)?.canary;
    if (dirname(dir) === dir) return undefined;
  }
}

const holder = holderIdentity();
const fail = (error: unknown): never => {
  console.error(`deploy: ${(error as Error).message}`);
  process.exit(2);
};

if (values.cleanup) {
  // CI's step after a cancelled or failed deploy: only what this run holds, found by the run's identity.
  if (!process.env.GITHUB_RUN_ID)
    fail(
      new Error(
        '--cleanup finds what this GitHub Actions run left by its run id, and GITHUB_RUN_ID is not set; by hand: kubectl delete deployment/<app>-canary lease/<app>-deploy',
      ),
    );
  let cleanup: ReturnType<typeof cleanupOptions>;
  try {
    cleanup = cleanupOptions(values);
  } catch (error) {
    fail(error);
  }
  for (const app of cleanup!.apps) await cleanUpAfter(app, cleanup!, kubectl, holder, (line) => console.log(`${app}: ${line}`));
  process.exit(0);
}

let options: DeployOptions;
try {
  options = deployOptions(values, appCanary);
} catch (error) {
  fail(error);
}

// The first Ctrl-C, SIGTERM or SIGHUP stops every release: a canary is deleted at once, a rollout under way rolled
// back. The same signal again within a second is that one still (a wrapper passing it on, or sent to the whole
// process group); a later one stops waiting for rollbacks. Nothing this deploy created is left either way.
const REPEAT_WINDOW_MS = 1000;
const interrupt = new AbortController();
const hurry = new AbortController();
let interruptedAt = 0;
const EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
for (const signal of Object.keys(EXIT_CODES)) {
  process.on(signal, () => {
    if (!interrupt.signal.aborted) {
      interruptedAt = Date.now();
      console.log(`\n${signal}: stopping; canaries are deleted now, rollouts under way rolled back, locks let go`);
      interrupt.abort(signal);
    } else if (Date.now() - interruptedAt >= REPEAT_WINDOW_MS && !hurry.signal.aborted) {
      console.log(`\n${signal} again: no longer waiting for rollbacks; canaries and locks are still cleaned up before exit`);
      hurry.abort(signal);
    }
  });
}

async function deployOne(release: DeployOptions['releases'][number]): Promise<ReleaseOutcome> {
  return lockedRelease(
    release,
    options,
    kubectl,
    (line) => console.log(`${release.app}: ${line}`),
    { interrupt: interrupt.signal, hurry: hurry.signal },
    holder,
  );
}

const outcomes: ReleaseOutcome[] = [];
if (options!.parallel) outcomes.push(...(await Promise.all(options!.releases.map(deployOne))));
else for (const release of options!.releases) outcomes.push(await deployOne(release));

for (const outcome of outcomes.filter((o) => o.report)) console.log(`\n${outcome.report}`);
console.log('\nsummary:');
for (const outcome of outcomes) {
  const detail = outcome.status === 'rolled-back' ? ` (back on ${outcome.previousImage})` : '';
  console.log(`  ${outcome.app.padEnd(20)} ${outcome.status}${detail}`);
}
if (values.summary) appendFileSync(values.summary, markdownSummary(outcomes, options!.namespace));
if (interrupt.signal.aborted) process.exit(EXIT_CODES[String(interrupt.signal.reason)] ?? 1);
process.exit(outcomes.every((outcome) => outcome.status === 'rolled-out' || outcome.status === 'planned') ? 0 : 1);
