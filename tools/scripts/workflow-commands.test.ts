// What deploy.yml runs is what this test runs: its jobs' own `run:` scripts, in order, with real kubectl against
// two kube-fake clusters (staging and production). Docker cannot build here, so the steps that use an action
// (checkout, Buildx, login, build-push, the artifact upload and download) are skipped and listed; the digest
// build-push would output is given, and the checkout (this workspace, linked) carries the release file from the
// image job to the deploy jobs as the artifact would. `npm ci` is skipped too: node_modules is installed already.
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLOCK_SPEED, deployment, imageOf } from './test/deployments';
import { runWorkflow, type WorkflowJob } from './test/workflow-runner';

const root = join(import.meta.dirname, '..', '..');
const deployYml = parse(readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8')) as { jobs: Record<string, WorkflowJob> };
const OLD = 'ghcr.io/acme/text-tools:aaaa111';
const DIGEST = `sha256:${'3f'.repeat(32)}`;
const RELEASED = `ghcr.io/acme/text-tools@${DIGEST}`;
const base64 = (file: string) => readFileSync(file).toString('base64');

let workdir: string;
let staging: KubeFake;
let production: KubeFake;
beforeEach(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'deploy-workflow-'));
  for (const entry of ['package.json', 'node_modules', 'apps', 'tools']) symlinkSync(join(root, entry), join(workdir, entry));
  [staging, production] = await Promise.all([
    startKubeFake({ namespace: 'mcp-fleet-staging', clockSpeed: CLOCK_SPEED }),
    startKubeFake({ namespace: 'mcp-fleet', clockSpeed: CLOCK_SPEED }),
  ]);
  for (const fake of [staging, production]) fake.addDeployment(deployment('text-tools', OLD));
  await Promise.all([staging.rolledOut('text-tools'), production.rolledOut('text-tools')]);
});
afterEach(async () => {
  await Promise.all([staging.close(), production.close()]);
  rmSync(workdir, { recursive: true, force: true });
});

/** A push-like run for text-tools (named by the dispatch input, as affected-apps is tested on its own). */
const runDeploy = () =>
  runWorkflow(deployYml.jobs, {
    workdir,
    context: {
      inputs: { apps: 'text-tools' },
      github: { repository_owner: 'Acme', sha: '0123456789abcdef0123456789abcdef01234567', actor: 'ci' },
      // Each environment's KUBECONFIG secret; the runner gives a job the secret of its own environment.
      secrets: { KUBECONFIG: '' },
    },
    environmentSecrets: { staging: { KUBECONFIG: base64(staging.kubeconfig) }, production: { KUBECONFIG: base64(production.kubeconfig) } },
    actionOutputs: { build: { digest: DIGEST } },
    skip: { install: 'npm ci: node_modules is installed already, and reinstalling would pull it from under the running tests' },
  });

describe('deploy.yml, its own commands, against kube-fake with real kubectl', () => {
  it('builds the matrix from the apps job, records the digest, and rolls that digest out to staging, then production', async () => {
    const run = await runDeploy();
    expect(Object.fromEntries(Object.entries(run.jobs).map(([id, job]) => [id, job.status]))).toEqual({
      apps: 'success',
      image: 'success',
      staging: 'success',
      production: 'success',
    });
    expect(run.jobs.apps!.outputs.apps).toBe('["text-tools"]');
    expect(readFileSync(join(workdir, 'release', 'text-tools.image'), 'utf8').trim()).toBe(RELEASED);
    expect(imageOf(staging, 'text-tools')).toBe(RELEASED);
    expect(imageOf(production, 'text-tools')).toBe(RELEASED);
    expect(run.jobs.staging!.summary).toContain(`| text-tools | \`${RELEASED}\` | ✅ rolled out |`);
    expect(run.jobs.production!.summary).toContain('### Deploy to mcp-fleet');

    // What ran, and what could not: only action steps and npm ci are skipped, each for its stated reason.
    const ran = run.steps.filter((step) => step.outcome === 'passed').map((step) => `${step.job}: ${step.step}`);
    expect(ran).toEqual([
      'apps: List the affected apps',
      'image (text-tools): Image name',
      'image (text-tools): Record the digest',
      'staging (text-tools): Cluster credentials',
      'staging (text-tools): Deploy, rolled back if the rollout fails',
      'production (text-tools): Cluster credentials',
      'production (text-tools): Deploy, rolled back if the rollout fails',
    ]);
    const skipped = run.steps.filter((step) => step.outcome === 'skipped');
    expect(skipped.every((step) => /^uses (actions|docker|nrwl)\//.test(step.reason!) || step.reason!.startsWith('npm ci'))).toBe(true);
    console.log(run.steps.map((step) => `${step.outcome.padEnd(7)} ${step.job}: ${step.step}${step.reason ? ` (${step.reason})` : ''}`).join('\n'));
  });

  it('rolls back an image that never gets ready, fails staging with the report in the summary, and never reaches production', async () => {
    staging.script(RELEASED, { kind: 'never-ready' });
    const run = await runDeploy();
    expect(run.jobs.staging!.status).toBe('failure');
    expect(run.jobs.production!.status).toBe('skipped');
    const failed = run.steps.filter((step) => step.outcome === 'failed');
    expect(failed.map((step) => `${step.job}: ${step.step}`)).toEqual(['staging (text-tools): Deploy, rolled back if the rollout fails']);
    expect(failed[0]!.output).toContain('progress deadline exceeded');
    expect(imageOf(staging, 'text-tools')).toBe(OLD);
    expect(staging.deployment('text-tools')?.status.availableReplicas).toBe(2);
    expect(imageOf(production, 'text-tools')).toBe(OLD);
    expect(run.jobs.staging!.summary).toContain(`| text-tools | \`${RELEASED}\` | ❌ rolled back, back on \`${OLD}\` |`);
    expect(run.jobs.staging!.summary).toMatch(/```text\ntext-tools: rollout of .* failed: progress deadline exceeded/);
  });

  it('stops at the credentials step, with an error that says what to set, when an environment has no KUBECONFIG', async () => {
    const run = await runWorkflow(deployYml.jobs, {
      workdir,
      context: { inputs: { apps: 'text-tools' }, github: { repository_owner: 'acme', sha: 'f'.repeat(40), actor: 'ci' }, secrets: { KUBECONFIG: '' } },
      actionOutputs: { build: { digest: DIGEST } },
      skip: { install: 'npm ci: installed already' },
    });
    const failed = run.steps.find((step) => step.outcome === 'failed')!;
    expect(failed.step).toBe('Cluster credentials');
    expect(failed.output).toContain('::error title=No cluster credentials::Set the KUBECONFIG secret (base64 of a kubeconfig) on the staging environment');
    expect(imageOf(staging, 'text-tools')).toBe(OLD);
  });
});
