// A small stand-in for the GitHub Actions runner, enough to run a workflow's own `run:` scripts here: jobs in
// order behind their `needs`, a matrix from an earlier job's output, step env with ${{ }} values, GITHUB_OUTPUT,
// GITHUB_ENV and GITHUB_STEP_SUMMARY. Steps that use an action cannot run without GitHub; they are skipped and
// reported, and a test may stand in for one's outputs (the digest docker/build-push-action would give).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bashStep } from '../src/pipeline';

export interface WorkflowStep { name: string; id?: string; uses?: string; run?: string; if?: string; env?: Record<string, string> }
export interface WorkflowJob {
  needs?: string | string[];
  if?: string;
  environment?: { name: string };
  env?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  outputs?: Record<string, string>;
  steps: WorkflowStep[];
}

export interface StepRecord { job: string; step: string; outcome: 'passed' | 'failed' | 'skipped'; output?: string; reason?: string }
export interface JobRun { status: 'success' | 'failure' | 'skipped'; outputs: Record<string, string>; summary: string }

export interface RunOptions {
  /** The checkout: every job runs its scripts here (so what one job writes, the next finds, as artifacts would carry it). */
  workdir: string;
  /** Values for ${{ github.* }}, ${{ secrets.* }}, ${{ inputs.* }}. */
  context: Record<string, Record<string, string>>;
  /** Secrets of a GitHub environment, which a job that names that environment sees over the repository's. */
  environmentSecrets?: Record<string, Record<string, string>>;
  /** Outputs to stand in for skipped action steps, by step id. */
  actionOutputs?: Record<string, Record<string, string>>;
  /** Steps that are `run:` but must not run here, by step id, with the reason. */
  skip?: Record<string, string>;
}

type Scope = Record<string, unknown>;

function lookup(path: string, scope: Scope): unknown {
  const value = path.split('.').reduce<unknown>((object, key) => (object as Scope | undefined)?.[key], scope);
  if (value === undefined) throw new Error(`\${{ ${path} }} has no value in this run; give it in the context`);
  return value;
}

/** Evaluates the expressions the workflow uses: a context path, or fromJSON(a context path). Anything else fails the test. */
function evaluate(expression: string, scope: Scope): unknown {
  const fromJson = /^fromJSON\(([\w.-]+)\)$/.exec(expression);
  if (fromJson) return JSON.parse(String(lookup(fromJson[1]!, scope)));
  if (/^[\w.-]+$/.test(expression)) return lookup(expression, scope);
  throw new Error(`the workflow runner does not evaluate \${{ ${expression} }}; keep expressions to context values`);
}

function evaluateCondition(condition: string, scope: Scope): boolean {
  const notEqual = /^([\w.-]+) != '(.*)'$/.exec(condition);
  if (!notEqual) throw new Error(`the workflow runner does not evaluate the condition "${condition}"`);
  return String(lookup(notEqual[1]!, scope)) !== notEqual[2];
}

const substitute = (text: string, scope: Scope) => text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => String(evaluate(expression, scope)));

/** key=value lines, as GitHub reads GITHUB_OUTPUT and GITHUB_ENV. */
function readPairs(file: string): Record<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text.includes('<<')) throw new Error(`${file}: multi-line values are not read by this runner`);
  return Object.fromEntries(text.split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve) =>
    // Asynchronous, so a fake server in this process keeps answering.
    execFile('bash', bashStep(script), { cwd, env, encoding: 'utf8', timeout: 240_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  );
}

/** Runs every job of a workflow whose `needs` succeeded, once per matrix value; returns each job's result and every step's record. */
export async function runWorkflow(jobs: Record<string, WorkflowJob>, options: RunOptions): Promise<{ jobs: Record<string, JobRun>; steps: StepRecord[] }> {
  const results: Record<string, JobRun> = {};
  const steps: StepRecord[] = [];
  const needsScope = () => Object.fromEntries(Object.entries(results).map(([id, run]) => [id, { result: run.status, outputs: run.outputs }]));

  for (const [jobId, job] of Object.entries(jobs)) {
    const needs = [job.needs ?? []].flat();
    const secrets = { ...options.context.secrets, ...options.environmentSecrets?.[job.environment?.name ?? ''] };
    const scope: Scope = { ...options.context, secrets, needs: needsScope() };
    const blocked = needs.some((id) => results[id]?.status !== 'success');
    // The one job condition the deploy workflow uses: run when an earlier job listed something.
    const wanted = job.if === undefined || evaluateCondition(job.if, scope);
    if (blocked || !wanted) {
      results[jobId] = { status: 'skipped', outputs: {}, summary: '' };
      continue;
    }
    const axes = Object.entries(job.strategy?.matrix ?? {});
    if (axes.length > 1) throw new Error(`${jobId}: this runner expands a matrix of one axis`);
    const [axis, values] = axes[0] ?? ['', ['']];
    const matrixValues = typeof values === 'string' ? (evaluate(/^\$\{\{\s*(.+?)\s*\}\}$/.exec(values)![1]!, scope) as string[]) : (values as string[]);

    const run: JobRun = { status: 'success', outputs: {}, summary: '' };
    for (const value of matrixValues) {
      const instance = `${jobId}${axis ? ` (${value})` : ''}`;
      const files = mkdtempSync(join(options.workdir, '.runner-'));
      const summaryFile = join(files, 'summary.md');
      const envFile = join(files, 'env');
      writeFileSync(summaryFile, '');
      writeFileSync(envFile, '');
      const stepScope: Scope = { ...scope, matrix: axis ? { [axis]: value } : {}, steps: {} };
      const resolveEnv = (env: Record<string, string> = {}) => Object.fromEntries(Object.entries(env).map(([key, text]) => [key, substitute(String(text), stepScope)]));
      const jobEnv = resolveEnv(job.env);
      let failed = false;
      for (const [index, step] of job.steps.entries()) {
        const stepsScope = stepScope.steps as Scope;
        const reason = step.uses ? `uses ${step.uses.split('@')[0]}, which only runs on GitHub` : step.id ? options.skip?.[step.id] : undefined;
        if (reason || (failed && step.if !== 'always()')) {
          steps.push({ job: instance, step: step.name, outcome: 'skipped', reason: reason ?? 'an earlier step failed' });
          if (step.id && options.actionOutputs?.[step.id]) stepsScope[step.id] = { outputs: options.actionOutputs[step.id] };
          continue;
        }
        const outputFile = join(files, `output-${index}`);
        const env = {
          ...process.env,
          CI: 'true',
          GITHUB_ACTIONS: 'true',
          RUNNER_TEMP: files,
          GITHUB_OUTPUT: outputFile,
          GITHUB_ENV: envFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          ...jobEnv,
          ...readPairs(envFile),
          ...resolveEnv(step.env),
        };
        const result = await bash(step.run!, options.workdir, env);
        steps.push({ job: instance, step: step.name, outcome: result.code === 0 ? 'passed' : 'failed', output: result.output });
        if (step.id) stepsScope[step.id] = { outputs: readPairs(outputFile) };
        failed ||= result.code !== 0;
      }
      run.summary += readFileSync(summaryFile, 'utf8');
      if (failed) run.status = 'failure';
      for (const [name, value] of Object.entries(job.outputs ?? {})) run.outputs[name] = substitute(value, stepScope);
    }
    results[jobId] = run;
  }
  return { jobs: results, steps };
}
