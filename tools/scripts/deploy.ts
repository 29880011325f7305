#!/usr/bin/env tsx
// The deploy runbook: for each app, set the image, wait for the rollout, and if it fails roll back on its own,
// wait until the previous version is healthy, and say why. Decisions live in src/deploy/; this file wires them.
import { appendFileSync } from 'node:fs';
import { $ } from 'zx';
import { cliOrExit } from './src/cli';
import { deployOptions, type DeployOptions } from './src/deploy/options';
import { rolloutWithRollback, type Kubectl, type ReleaseOutcome } from './src/deploy/rollout';
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
});

let options: DeployOptions;
try {
  options = deployOptions(values);
} catch (error) {
  console.error(`deploy: ${(error as Error).message}`);
  process.exit(2);
}

// zx quotes every argument of the array: nothing the user typed reaches a shell as code.
const kubectl: Kubectl = async (args) => {
  const result = await $({ nothrow: true, quiet: true })`kubectl ${args}`;
  return { code: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr };
};

const deployOne = (release: DeployOptions['releases'][number]) =>
  rolloutWithRollback(release, options, kubectl, (line) => console.log(`${release.app}: ${line}`));

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
process.exit(outcomes.every((outcome) => outcome.status === 'rolled-out' || outcome.status === 'planned') ? 0 : 1);
