#!/usr/bin/env tsx
// The deploy runbook: for each app, set the image, wait for the rollout, and if it fails roll back on its own,
// wait until the previous version is healthy, and say why. Decisions live in src/deploy/; this file wires them.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cliOrExit } from './src/cli';
import { canaryRelease, lockHolder } from './src/deploy/canary';
import { kubectl } from './src/deploy/kubectl';
import { CANARY_FLAGS, deployOptions, type DeployOptions } from './src/deploy/options';
import { rolloutWithRollback, type ReleaseOutcome } from './src/deploy/rollout';
import { markdownSummary } from './src/deploy/summary';

const usage = `
Usage: tsx tools/scripts/deploy.ts --app NAME --image REF [--app NAME --image REF …] [options]
       npx nx run <app>:deploy --image REF [options]

For each app: kubectl set image deployment/<app> <app>=<image>, then kubectl rollout status --timeout.
When the rollout fails (progress deadline exceeded, timeout, crash loop): collect the Deployment's conditions,
the new ReplicaSet's pods and recent events, kubectl rollout undo, wait for the previous version to be healthy,
print the report, and exit 1. Exit 0 only when every app rolled out.

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
                      aborts with the stable Deployment untouched and exits 1. README: "Canary releases".
  --prometheus-url URL  read the canary's numbers from this Prometheus (default: each pod's /metrics through
                      the API server's pod proxy)
${Object.entries(CANARY_FLAGS)
  .map(([flag, spec]) => `  --${flag.padEnd(26)}${spec.help}${spec.default === undefined ? '' : ` (default ${spec.default})`}`)
  .join('\n')}
An app sets its own canary settings in its package.json, mcpFleet.canary, by these names without "canary-",
camel-cased ({ "interval": "2m", "maxErrorRatio": 2 }); a flag wins over the app's setting.
Ctrl-C or SIGTERM deletes a canary and rolls back a rollout under way, then exits 130 / 143 (a second one exits
at once). While one deploy of an app holds its canary, another deploy of that app is refused.
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
  ...(Object.fromEntries(Object.keys(CANARY_FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<keyof typeof CANARY_FLAGS, { type: 'string' }>),
});

/**
 * An app's own canary settings: `mcpFleet.canary` in apps/<app>/package.json of the workspace the command runs in
 * (CI runs it at the root, nx in the app's folder); none for an app that is not in it.
 */
function appCanary(app: string): unknown {
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    const manifest = join(dir, 'apps', app, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { mcpFleet?: { canary?: unknown } }).mcpFleet?.canary;
    if (dirname(dir) === dir) return undefined;
  }
}

let options: DeployOptions;
try {
  options = deployOptions(values, appCanary);
} catch (error) {
  console.error(`deploy: ${(error as Error).message}`);
  process.exit(2);
}

// The first Ctrl-C or SIGTERM stops every release: a canary deletes itself, a rollout under way is rolled back.
// A second one exits at once.
const interrupt = new AbortController();
const exitCodeOf = (signal: unknown) => (signal === 'SIGINT' ? 130 : 143);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupt.signal.aborted) process.exit(exitCodeOf(signal));
    console.log(`\n${signal}: stopping; canaries are deleted and rollouts under way rolled back before exit (again to exit now)`);
    interrupt.abort(signal);
  });
}

async function deployOne(release: DeployOptions['releases'][number]): Promise<ReleaseOutcome> {
  const say = (line: string) => console.log(`${release.app}: ${line}`);
  if (options.strategy === 'canary') return canaryRelease(release, options, kubectl, say, interrupt.signal);
  const held = options.dryRun ? undefined : await lockHolder(release.app, options, kubectl);
  if (held) return { app: release.app, image: release.image, status: 'not-started', report: `${release.app}: ${held}` };
  return rolloutWithRollback(release, options, kubectl, say, interrupt.signal);
}

const outcomes: ReleaseOutcome[] = [];
if (options.parallel) outcomes.push(...(await Promise.all(options.releases.map(deployOne))));
else for (const release of options.releases) outcomes.push(await deployOne(release));

for (const outcome of outcomes.filter((o) => o.report)) console.log(`\n${outcome.report}`);
console.log('\nsummary:');
for (const outcome of outcomes) {
  const detail = outcome.status === 'rolled-back' ? ` (back on ${outcome.previousImage})` : '';
  console.log(`  ${outcome.app.padEnd(20)} ${outcome.status}${detail}`);
}
if (values.summary) appendFileSync(values.summary, markdownSummary(outcomes, options.namespace));
if (interrupt.signal.aborted) process.exit(exitCodeOf(interrupt.signal.reason));
process.exit(outcomes.every((outcome) => outcome.status === 'rolled-out' || outcome.status === 'planned') ? 0 : 1);
