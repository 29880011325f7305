// What the workflows run is what this test runs. deploy.yml: its jobs' own `run:` scripts, in order, with real kubectl against
// two kube-fake clusters (staging and production). Docker cannot build here, so the steps that use an action
// (checkout, Buildx, login, build-push, the artifact upload and download) are skipped and listed; the digest
// build-push would output is given, and the checkout (this workspace, linked) carries the release file from the
// image job to the deploy jobs as the artifact would. `npm ci` is skipped too: node_modules is installed already.
// ci.yml: the plan job's commands, with real nx, on this workspace; the summary job's over two shards' results.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLOCK_SPEED, deployment, imageOf, service } from '@mcp-fleet/deploy/testing';
import { startKubeFake, type KubeFake } from '@mcp-fleet/kube-fake';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CI_SHARDS } from '@mcp-fleet/ci/workflows';
import { runWorkflow, type WorkflowJob } from '@mcp-fleet/ci/workflow-runner';

const root = join(import.meta.dirname, '..', '..');
const deployYml = parse(readFileSync(join(root, '.github/workflows/deploy.yml'), 'utf8')) as { jobs: Record<string, WorkflowJob> };
const OLD = 'ghcr.io/acme/text-tools:aaaa111';
const DIGEST = `sha256:${'3f'.repeat(32)}`;
const RELEASED = `ghcr.io/acme/text-tools@${DIGEST}`;
// Per pod, in the fakes' fast cluster time: thousands of calls in each real second of the canary's analysis.
const HEALTHY = { rps: 20, errorRatio: 0.001, latencySeconds: 0.004 };
const base64 = (file: string) => readFileSync(file).toString('base64');

let workdir: string;
let staging: KubeFake;
let production: KubeFake;

/** What GitHub gives every step of one run: the deploys' lock holder, which the cleanup step finds again. */
const RUN = { GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '1', GITHUB_REPOSITORY: 'acme/fleet' };

/**
 * A push-like run for text-tools (named by the dispatch input, as affected-apps is tested on its own), on `ref`;
 * with `registry`, production's environment names that MCP registry (staging's names none).
 */
const runDeploy = (ref = 'refs/heads/main', registry?: string) =>
  runWorkflow(deployYml.jobs, {
    workdir,
    env: RUN,
    context: {
      inputs: { apps: 'text-tools' },
      github: { repository_owner: 'Acme', sha: '0123456789abcdef0123456789abcdef01234567', actor: 'ci', ref },
      // Each environment's KUBECONFIG secret; the runner gives a job the secret of its own environment.
      // No PROMETHEUS_URL: production's canary reads the pods' own /metrics through the API server.
      // Publishing server.json is off unless an environment names a registry.
      secrets: { KUBECONFIG: '', PROMETHEUS_URL: '', MCP_REGISTRY_URL: '', MCP_REGISTRY_TOKEN: '' },
    },
    environmentSecrets: {
      staging: { KUBECONFIG: base64(staging.kubeconfig) },
      production: {
        KUBECONFIG: base64(production.kubeconfig),
        ...(registry ? { MCP_REGISTRY_URL: registry, MCP_REGISTRY_TOKEN: 'registry-token' } : {}),
      },
    },
    actionOutputs: { build: { digest: DIGEST } },
    skip: { install: 'npm ci: node_modules is installed already, and reinstalling would pull it from under the running tests' },
  });

describe('deploy.yml, its own commands, against kube-fake with real kubectl', () => {
  beforeEach(async () => {
    workdir = mkdtempSync(join(tmpdir(), 'deploy-workflow-'));
    for (const entry of ['package.json', 'node_modules', 'tools']) symlinkSync(join(root, entry), join(workdir, entry));
    // The apps as they are, but text-tools' canary judged on 1 s intervals (its mcpFleet.canary, as an app sets it).
    for (const app of readdirSync(join(root, 'apps'))) {
      mkdirSync(join(workdir, 'apps', app), { recursive: true });
      for (const entry of readdirSync(join(root, 'apps', app)).filter((file) => file !== 'package.json'))
        symlinkSync(join(root, 'apps', app, entry), join(workdir, 'apps', app, entry));
      const manifest = JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')) as { mcpFleet: object };
      if (app === 'text-tools') manifest.mcpFleet = { ...manifest.mcpFleet, canary: { interval: '1s', passes: 2 } };
      // Its function jobs need AWS, which nothing here can reach: they are skipped as for an app on Kubernetes only.
      delete (manifest.mcpFleet as { lambda?: unknown }).lambda;
      writeFileSync(join(workdir, 'apps', app, 'package.json'), JSON.stringify(manifest));
    }
    [staging, production] = await Promise.all([
      startKubeFake({ namespace: 'mcp-fleet-staging', clockSpeed: CLOCK_SPEED }),
      startKubeFake({ namespace: 'mcp-fleet', clockSpeed: CLOCK_SPEED }),
    ]);
    for (const fake of [staging, production]) {
      fake.addDeployment(deployment('text-tools', OLD));
      fake.addService(service('text-tools'));
      fake.scriptTraffic(OLD, HEALTHY);
    }
    production.scriptTraffic(RELEASED, HEALTHY);
    await Promise.all([staging.rolledOut('text-tools'), production.rolledOut('text-tools')]);
  });
  afterEach(async () => {
    await Promise.all([staging.close(), production.close()]);
    rmSync(workdir, { recursive: true, force: true });
  });

  it("builds the matrix from the apps job, records the digest, rolls that digest out to staging, then production, and publishes production's server.json", async () => {
    // An MCP registry on loopback, as production's environment names one: what it is sent.
    const published: { method: string; url: string; authorization?: string; body: string }[] = [];
    const registry = createServer((req, res) => {
      let body = '';
      req
        .on('data', (chunk: Buffer) => (body += chunk.toString()))
        .on('end', () => {
          published.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
          res.writeHead(req.method === 'GET' ? 404 : 200).end('{}');
        });
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const run = await runDeploy('refs/heads/main', `http://127.0.0.1:${(registry.address() as AddressInfo).port}`).finally(() =>
      registry.close(),
    );
    expect(published.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'GET /v0/servers/com.example.mcp%2Ftext-tools/versions/0.1.0',
      'POST /v0/publish',
    ]);
    expect(published[1]).toMatchObject({
      authorization: 'Bearer registry-token',
      body: readFileSync(join(root, 'apps/text-tools/deploy/overlays/production/server.json'), 'utf8'),
    });
    expect(Object.fromEntries(Object.entries(run.jobs).map(([id, job]) => [id, job.status]))).toEqual({
      apps: 'success',
      image: 'success',
      staging: 'success',
      production: 'success',
      'staging-function': 'skipped',
      'production-function': 'skipped',
    });
    expect(run.jobs.apps!.outputs.apps).toBe('["text-tools"]');
    expect(run.jobs.apps!.outputs.functions).toBe('[]');
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
      "staging (text-tools): Publish the app's server.json to the environment's MCP registry, if it has one",
      'production (text-tools): Cluster credentials',
      'production (text-tools): Canary, then deploy if it passes; rolled back if the rollout fails',
      "production (text-tools): Publish the app's server.json to the environment's MCP registry, if it has one",
    ]);
    const stagingPublish = run.steps.find((step) => step.job === 'staging (text-tools)' && step.step.startsWith('Publish'))!;
    expect(stagingPublish.output).toContain('text-tools staging: no MCP registry configured (MCP_REGISTRY_URL); server.json not published');
    expect(run.jobs.production!.summary).toContain('#### text-tools: canary analysis');
    expect(production.deployment('text-tools-canary')).toBeUndefined();
    const skipped = run.steps.filter((step) => step.outcome === 'skipped');
    // …and the cleanup after a cancelled or failed deploy, which this one was not.
    const expected = (reason: string) =>
      /^uses (actions|docker|nrwl)\//.test(reason) ||
      reason.startsWith('npm ci') ||
      reason === 'its condition is false: cancelled() || failure()';
    expect(skipped.filter((step) => !expected(step.reason!))).toEqual([]);
    console.log(
      run.steps.map((step) => `${step.outcome.padEnd(7)} ${step.job}: ${step.step}${step.reason ? ` (${step.reason})` : ''}`).join('\n'),
    );
  });

  it('rolls back an image that never gets ready, fails staging with the report in the summary, and never reaches production', async () => {
    staging.script(RELEASED, { kind: 'never-ready' });
    const run = await runDeploy();
    expect(run.jobs.staging!.status).toBe('failure');
    expect(run.jobs.production!.status).toBe('skipped');
    const failed = run.steps.filter((step) => step.outcome === 'failed');
    expect(failed.map((step) => `${step.job}: ${step.step}`)).toEqual(['staging (text-tools): Deploy, rolled back if the rollout fails']);
    expect(failed[0]!.output).toContain('progress deadline exceeded');
    // After a failure, the cleanup step runs: this run's canary and lock, were any left, would go.
    const cleanup = run.steps.find((step) => step.step.startsWith('After a cancelled or failed deploy'))!;
    expect(cleanup).toMatchObject({ job: 'staging (text-tools)', outcome: 'passed' });
    expect(cleanup.output).toContain('text-tools: no canary text-tools-canary');
    expect(cleanup.output).toContain('text-tools: no deploy lock held');
    expect(imageOf(staging, 'text-tools')).toBe(OLD);
    expect(staging.deployment('text-tools')?.status.availableReplicas).toBe(2);
    expect(imageOf(production, 'text-tools')).toBe(OLD);
    expect(run.jobs.staging!.summary).toContain(`| text-tools | \`${RELEASED}\` | ❌ rolled back, back on \`${OLD}\` |`);
    expect(run.jobs.staging!.summary).toMatch(/```text\ntext-tools: rollout of .* failed: progress deadline exceeded/);
  });

  it("aborts production's canary when it answers with server errors: the analysis in the job summary, production's Deployment never changed", async () => {
    production.scriptTraffic(RELEASED, { ...HEALTHY, errorRatio: 0.25 });
    const before = structuredClone(production.deployment('text-tools')!);
    const run = await runDeploy();
    expect(run.jobs.staging!.status).toBe('success');
    expect(run.jobs.production!.status).toBe('failure');
    expect(imageOf(staging, 'text-tools')).toBe(RELEASED);
    expect(production.deployment('text-tools')!.metadata.generation).toBe(before.metadata.generation);
    expect(imageOf(production, 'text-tools')).toBe(OLD);
    expect(production.deployment('text-tools-canary')).toBeUndefined();
    const summary = run.jobs.production!.summary;
    expect(summary).toContain(`| text-tools | \`${RELEASED}\` | ❌ canary aborted, stable untouched |`);
    expect(summary).toContain('#### text-tools: canary analysis');
    expect(summary).toMatch(
      /\| 1 \| fail \| \d+ \| 25\.0% \| 4\.8 ms \| \d+ \| 0\.1% \| 4\.8 ms \| server errors 25\.0% > stable 0\.1% \+ 1\.0%; server errors 25\.0% > the ceiling 5\.0% \|/,
    );
    console.log(summary);
  });

  it('deploys nothing when dispatched from another branch than main', async () => {
    const run = await runDeploy('refs/heads/feature');
    expect(Object.values(run.jobs).map((job) => job.status)).toEqual(Array(6).fill('skipped'));
    expect(imageOf(staging, 'text-tools')).toBe(OLD);
  });

  it('stops at the credentials step, with an error that says what to set, when an environment has no KUBECONFIG', async () => {
    const run = await runWorkflow(deployYml.jobs, {
      workdir,
      env: RUN,
      context: {
        inputs: { apps: 'text-tools' },
        github: { repository_owner: 'acme', sha: 'f'.repeat(40), actor: 'ci', ref: 'refs/heads/main' },
        secrets: { KUBECONFIG: '' },
      },
      actionOutputs: { build: { digest: DIGEST } },
      skip: { install: 'npm ci: installed already' },
    });
    const failed = run.steps.find((step) => step.outcome === 'failed')!;
    expect(failed.step).toBe('Cluster credentials');
    expect(failed.output).toContain(
      '::error title=No cluster credentials::Set the KUBECONFIG secret (base64 of a kubeconfig) on the staging environment',
    );
    expect(imageOf(staging, 'text-tools')).toBe(OLD);
  });
});

describe("ci.yml's plan job, its own commands, on this workspace", () => {
  it('lists the tasks of every project when everything changed, and splits them into the shards the matrix takes', async () => {
    const ciYml = parse(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, WorkflowJob> };
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const first = git('rev-list', '--max-parents=0', 'HEAD').split('\n').at(-1)!;
    const scratch = mkdtempSync(join(tmpdir(), 'plan-job-'));
    try {
      const run = await runWorkflow(
        { plan: ciYml.jobs.plan! },
        {
          workdir: root,
          context: { github: { sha: git('rev-parse', 'HEAD') } },
          skip: { install: 'npm ci: node_modules is installed already' },
          // What nx-set-shas would export, for a history where everything changed; the project graph of this
          // nx goes to a folder of its own, away from the nx that runs this test.
          env: { NX_BASE: first, NX_HEAD: 'HEAD', NX_WORKSPACE_DATA_DIRECTORY: scratch },
        },
      );
      const plan = run.steps.find((step) => step.step === 'Split the affected tasks into shards')!;
      expect(run.jobs.plan!.status, plan.output).toBe('success');
      const shards = JSON.parse(run.jobs.plan!.outputs.shards!) as { index: number; projects: string; seconds: number }[];
      expect(shards.length).toBeGreaterThanOrEqual(2);
      expect(shards.length).toBeLessThanOrEqual(CI_SHARDS.count);
      expect(shards.map((shard) => shard.index)).toEqual(shards.map((_, index) => index + 1));
      const projects = shards.flatMap((shard) => shard.projects.split(','));
      expect(new Set(projects).size).toBe(projects.length);
      expect(projects).toEqual(
        expect.arrayContaining([
          'documents',
          'text-tools',
          'runtime',
          'middleware',
          'storage',
          'testing',
          'nx-plugin',
          'build',
          'dev',
          'kube-fake',
          'conformance-server',
        ]),
      );
      expect(run.jobs.plan!.summary).toContain('### CI plan');
      expect(run.steps.filter((step) => step.outcome === 'passed').map((step) => step.step)).toEqual([
        'Split the affected tasks into shards',
      ]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe("ci.yml's summary job, its own commands, over the results two shards left", () => {
  let workdir: string;
  const write = (file: string, value: unknown) => {
    mkdirSync(dirname(join(workdir, file)), { recursive: true });
    writeFileSync(join(workdir, file), JSON.stringify(value));
  };
  const at = (seconds: number) => new Date(Date.UTC(2026, 11, 3) + seconds * 1000).toISOString();
  beforeEach(() => {
    workdir = mkdtempSync(join(tmpdir(), 'summary-job-'));
    for (const entry of ['package.json', 'nx.json', 'node_modules', 'apps', 'libs', 'tools'])
      symlinkSync(join(root, entry), join(workdir, entry));
    // As the download step lays the artifacts out: one folder per shard, in the workspace's own layout.
    for (const [shard, project, cpu] of [
      ['shard-1-node24', 'apps/documents', 41],
      ['shard-2-node24', 'libs/runtime', 6],
    ] as const) {
      const name = project.split('/')[1]!;
      write(`ci-shards/${shard}/${project}/coverage/vitest-results.json`, {
        numPassedTests: 3,
        numFailedTests: 0,
        numPendingTests: 0,
        testResults: [{ name: `/runner/work/${project}/test/a.test.ts`, startTime: 0, endTime: 2500 }],
      });
      write(`ci-shards/${shard}/${project}/coverage/unit/coverage-summary.json`, {
        total: { lines: { pct: 91 }, branches: { pct: 84 }, functions: { pct: 95 }, statements: { pct: 90 } },
      });
      write(`ci-shards/${shard}/.nx/task-cpu/1.json`, { task: `${name}:test`, user: cpu, system: 1, wall: 60, exitCode: 0 });
      write(`ci-shards/${shard}/.nx/task-cpu/command.json`, {
        command: 'npx nx run-many',
        user: cpu + 2,
        system: 1,
        wall: 70,
        exitCode: 0,
      });
      write(`ci-shards/${shard}/.nx/cache/run.json`, {
        tasks: [{ taskId: `${name}:test`, startTime: at(0), endTime: at(cpu), cacheStatus: 'cache-miss', status: 0 }],
      });
    }
  });
  afterEach(() => rmSync(workdir, { recursive: true, force: true }));

  const ciYml = () => parse(readFileSync(join(root, '.github/workflows/ci.yml'), 'utf8')) as { jobs: Record<string, WorkflowJob> };
  const runSummary = (event: { event_name: string; ref: string }, shards: 'success' | 'failure') =>
    runWorkflow(
      { summary: ciYml().jobs.summary! },
      {
        workdir,
        context: { github: { ...event, sha: 'f'.repeat(40) } },
        earlier: { plan: { status: 'success', outputs: {} }, shard: { status: shards, outputs: {} } },
        skip: { install: 'npm ci: node_modules is installed already' },
      },
    );

  it("puts every shard's tests, coverage and cost in the summary, and on a push to main records the durations", async () => {
    const run = await runSummary({ event_name: 'push', ref: 'refs/heads/main' }, 'success');
    expect(run.jobs.summary!.status, run.steps.map((step) => step.output).join('\n')).toBe('success');
    const summary = run.jobs.summary!.summary;
    expect(summary).toContain('### Tests and coverage: shard-1-node24');
    expect(summary).toContain('| apps/documents | 3 | 0 | 0 | 91% | 84% | 95% | 90% |');
    expect(summary).toContain('### Tests and coverage: shard-2-node24');
    expect(summary).toContain('| documents | 42.0 | 60.0 | test 42.0 |');
    expect(summary).toContain('| runtime | 7.0 | 60.0 | test 7.0 |');
    expect(summary).toContain('| apps/documents/test/a.test.ts | 2.5 |');
    expect(JSON.parse(readFileSync(join(workdir, '.nx', 'ci-durations.json'), 'utf8'))).toEqual({
      'documents:test': 41,
      'runtime:test': 6,
    });
    expect(run.steps.find((step) => step.step === 'Every shard passed')!.outcome).toBe('passed');
  });

  it('on a pull request records nothing, and fails when a shard failed', async () => {
    const run = await runSummary({ event_name: 'pull_request', ref: 'refs/pull/9/merge' }, 'failure');
    expect(run.jobs.summary!.status).toBe('failure');
    const outcome = (name: string) => run.steps.find((step) => step.step === name)!;
    expect(outcome('Durations for the next plan (pushes to main)')).toMatchObject({ outcome: 'skipped' });
    expect(outcome('Every shard passed')).toMatchObject({
      outcome: 'failed',
      output: expect.stringContaining('::error title=A shard failed::'),
    });
    // The report is there all the same: it is what a reader of the failed run looks at.
    expect(run.jobs.summary!.summary).toContain('### Tests and coverage: shard-1-node24');
  });
});
