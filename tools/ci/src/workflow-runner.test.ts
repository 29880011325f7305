// The runner on small workflows of its own: what GitHub does with needs, matrices, outputs, env files, conditions
// and action steps. (tools/ci-e2e runs the fleet's real workflows through it.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowJob } from './workflow-runner';

const workdir = mkdtempSync(join(tmpdir(), 'runner-test-'));
afterAll(() => rmSync(workdir, { recursive: true, force: true }));
const context = { github: { sha: 'abc123' }, secrets: { TOKEN: 'repo-token' }, inputs: {} };

describe('runWorkflow', () => {
  it('runs jobs behind their needs, a matrix from an earlier output, with outputs, env files and the summary', async () => {
    const jobs: Record<string, WorkflowJob> = {
      plan: {
        outputs: { apps: '${{ steps.list.outputs.apps }}' },
        steps: [{ name: 'list', id: 'list', run: 'echo \'apps=["a","b"]\' >> "$GITHUB_OUTPUT"; echo "## plan" >> "$GITHUB_STEP_SUMMARY"' }],
      },
      build: {
        needs: 'plan',
        env: { SHA: '${{ github.sha }}' },
        strategy: { matrix: { app: '${{ fromJSON(needs.plan.outputs.apps) }}' } },
        steps: [
          { name: 'export', run: 'echo "LATER=from-env" >> "$GITHUB_ENV"' },
          { name: 'write', env: { APP: '${{ matrix.app }}' }, run: 'echo "$APP $SHA $LATER" >> built.txt' },
        ],
      },
    };
    const run = await runWorkflow(jobs, { workdir, context });
    expect(run.jobs.plan).toEqual({ status: 'success', outputs: { apps: '["a","b"]' }, summary: '## plan\n' });
    expect(run.jobs.build!.status).toBe('success');
    expect(readFileSync(join(workdir, 'built.txt'), 'utf8')).toBe('a abc123 from-env\nb abc123 from-env\n');
    expect(run.steps.map((step) => `${step.job}: ${step.step} ${step.outcome}`)).toEqual([
      'plan: list passed',
      'build (a): export passed',
      'build (a): write passed',
      'build (b): export passed',
      'build (b): write passed',
    ]);
  });

  it("skips what GitHub skips: after a failure, a failed job's dependents, false conditions; runs failure() and always() steps", async () => {
    const jobs: Record<string, WorkflowJob> = {
      test: {
        environment: { name: 'staging' },
        steps: [
          { name: 'secret', run: '[ "$TOKEN" = staging-token ]', env: { TOKEN: '${{ secrets.TOKEN }}' } },
          { name: 'breaks', run: 'exit 3' },
          { name: 'after', run: 'true' },
          { name: 'cleanup', if: "failure() && github.sha == 'abc123'", run: 'true' },
          { name: 'never', if: "!(github.sha != 'abc123')", run: 'true' },
          { name: 'report', if: 'always()', run: 'true' },
        ],
      },
      deploy: { needs: ['test'], steps: [{ name: 'ship', run: 'true' }] },
      notify: { needs: 'test', if: 'always()', steps: [{ name: 'tell', if: "needs.test.result == 'failure'", run: 'true' }] },
    };
    const run = await runWorkflow(jobs, { workdir, context, environmentSecrets: { staging: { TOKEN: 'staging-token' } } });
    expect(run.jobs.test!.status).toBe('failure');
    expect(run.jobs.deploy!.status).toBe('skipped');
    expect(run.jobs.notify!.status).toBe('success');
    expect(Object.fromEntries(run.steps.map((step) => [step.step, step.outcome]))).toEqual({
      secret: 'passed',
      breaks: 'failed',
      after: 'skipped',
      cleanup: 'passed',
      never: 'skipped',
      report: 'passed',
      tell: 'passed',
    });
    expect(run.steps.find((step) => step.step === 'after')!.reason).toBe('an earlier step failed');
  });

  it("skips action steps and run: steps it is told to, standing in for an action's outputs; a matrix axis can be replaced", async () => {
    const jobs: Record<string, WorkflowJob> = {
      image: {
        strategy: { matrix: { node: ['20', '24'] } },
        outputs: { digest: '${{ steps.push.outputs.digest }}' },
        steps: [
          { name: 'push', id: 'push', uses: 'docker/build-push-action@v6' },
          { name: 'install', id: 'install', run: 'exit 1' },
          {
            name: 'use',
            env: { NODE: '${{ matrix.node }}', DIGEST: '${{ steps.push.outputs.digest }}' },
            run: 'echo "node=$NODE $DIGEST" >> "$GITHUB_STEP_SUMMARY"',
          },
        ],
      },
    };
    const run = await runWorkflow(jobs, {
      workdir,
      context,
      actionOutputs: { push: { digest: 'sha256:1' } },
      skip: { install: 'installed already' },
      matrix: { node: ['20'] },
    });
    expect(run.jobs.image).toEqual({ status: 'success', outputs: { digest: 'sha256:1' }, summary: 'node=20 sha256:1\n' });
    expect(run.steps.filter((step) => step.outcome === 'skipped').map((step) => step.reason)).toEqual([
      'uses docker/build-push-action, which only runs on GitHub',
      'installed already',
    ]);
  });

  it('refuses what it cannot evaluate, naming it, rather than guessing', async () => {
    const job = (step: WorkflowJob['steps'][number]): Record<string, WorkflowJob> => ({ only: { steps: [step] } });
    await expect(runWorkflow(job({ name: 'x', env: { X: '${{ github.sha || 1 }}' }, run: 'true' }), { workdir, context })).rejects.toThrow(
      'the workflow runner does not evaluate ${{ github.sha || 1 }}',
    );
    await expect(runWorkflow(job({ name: 'x', if: "contains(github.sha, 'a')", run: 'true' }), { workdir, context })).rejects.toThrow(
      'the workflow runner does not evaluate the condition',
    );
    await expect(runWorkflow(job({ name: 'x', env: { X: '${{ github.missing }}' }, run: 'true' }), { workdir, context })).rejects.toThrow(
      '${{ github.missing }} has no value in this run',
    );
  });
});
