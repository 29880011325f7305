// A small stand-in for the GitHub Actions runner, enough to run a workflow's own `run:` scripts here (ci:local,
// and the workflow tests): jobs in order behind their `needs`, matrices (from an earlier job's output too), step
// env with ${{ }} values, GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY. Steps that use an action cannot run
// without GitHub; they are skipped and reported, and the caller may stand in for one's outputs (the digest
// docker/build-push-action would give).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bashStep } from './pipeline';

export interface WorkflowStep {
  name: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}
export interface WorkflowJob {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: { name: string };
  env?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown> };
  outputs?: Record<string, string>;
  steps: WorkflowStep[];
}

export interface StepRecord {
  job: string;
  step: string;
  outcome: 'passed' | 'failed' | 'skipped';
  output?: string;
  reason?: string;
  seconds?: number;
}
export interface JobRun {
  status: 'success' | 'failure' | 'skipped';
  outputs: Record<string, string>;
  summary: string;
}

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
  /** Matrix axes to replace, e.g. { node: ['20'] }: the one Node this machine has. */
  matrix?: Record<string, unknown[]>;
  /** Extra environment for every step (what an action that cannot run here would have exported). */
  env?: Record<string, string>;
  /** Results of jobs that ran before these (a run's later jobs alone): their status and outputs. */
  earlier?: Record<string, Pick<JobRun, 'status' | 'outputs'>>;
  /** Stream each step's output here as well (ci:local shows it live). */
  echo?: boolean;
}

type Scope = Record<string, unknown>;

function lookup(path: string, scope: Scope): unknown {
  const value = path.split('.').reduce<unknown>((object, key) => (object as Scope | undefined)?.[key], scope);
  if (value === undefined) throw new Error(`\${{ ${path} }} has no value in this run; give it in the context`);
  return value;
}

/** Evaluates the expressions our workflows use: a context path, or fromJSON(a context path). Anything else fails. */
function evaluate(expression: string, scope: Scope): unknown {
  const fromJson = /^fromJSON\(([\w.-]+)\)$/.exec(expression);
  if (fromJson) return JSON.parse(String(lookup(fromJson[1]!, scope)));
  if (/^[\w.-]+$/.test(expression)) return lookup(expression, scope);
  throw new Error(`the workflow runner does not evaluate \${{ ${expression} }}; keep expressions to context values`);
}

/** The status check functions GitHub gives an `if:`; a step that names none runs only while nothing has failed. */
const STATUS_CHECK = /\b(always|success|failure|cancelled)\(\)/;

/**
 * The conditions our workflows use: `path == 'value'`, `path != 'value'` and the status checks, joined by && and ||,
 * negated by !( … ). `failed`: whether a step of the job has failed (nothing is ever cancelled here).
 */
function evaluateCondition(condition: string, scope: Scope, failed = false): boolean {
  const tokens = condition.match(/!\(|\(|\)|&&|\|\||[\w.-]+ (?:==|!=) '[^']*'|\w+\(\)/g) ?? [];
  if (tokens.join('').replace(/\s/g, '') !== condition.replace(/\s/g, ''))
    throw new Error(`the workflow runner does not evaluate the condition "${condition}"`);
  let at = 0;
  const term = (): boolean => {
    const token = tokens[at++];
    if (token === '!(' || token === '(') {
      const value = either();
      if (tokens[at++] !== ')') throw new Error(`unbalanced parentheses in "${condition}"`);
      return token === '!(' ? !value : value;
    }
    if (token === 'always()') return true;
    if (token === 'success()') return !failed;
    if (token === 'failure()') return failed;
    if (token === 'cancelled()') return false;
    const comparison = /^([\w.-]+) (==|!=) '(.*)'$/.exec(token ?? '');
    if (!comparison) throw new Error(`the workflow runner does not evaluate "${token}" in "${condition}"`);
    return (String(lookup(comparison[1]!, scope)) === comparison[3]) === (comparison[2] === '==');
  };
  const both = (): boolean => {
    let value = term();
    while (tokens[at] === '&&') {
      at++;
      // Each side is evaluated: a context value a condition names and the run lacks fails loudly.
      value = term() && value;
    }
    return value;
  };
  const either = (): boolean => {
    let value = both();
    while (tokens[at] === '||') {
      at++;
      value = both() || value;
    }
    return value;
  };
  return either();
}

const substitute = (text: string, scope: Scope) =>
  text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => String(evaluate(expression, scope)));

/** key=value lines, as GitHub reads GITHUB_OUTPUT and GITHUB_ENV. */
function readPairs(file: string): Record<string, string> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text.includes('<<')) throw new Error(`${file}: multi-line values are not read by this runner`);
  return Object.fromEntries(
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, echo: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // Asynchronous, so a fake server in this process keeps answering.
    const child = execFile(
      'bash',
      bashStep(script),
      { cwd, env, encoding: 'utf8', timeout: echo ? 0 : 240_000, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    if (echo) {
      child.stdout?.pipe(process.stdout);
      child.stderr?.pipe(process.stderr);
    }
  });
}

/** Every combination of the matrix's axes, as GitHub expands them. */
function combinations(axes: [string, unknown[]][]): Record<string, unknown>[] {
  return axes.reduce<Record<string, unknown>[]>(
    (combos, [axis, values]) => combos.flatMap((combo) => values.map((value) => ({ ...combo, [axis]: value }))),
    [{}],
  );
}

/** Runs every job of a workflow whose `needs` succeeded (or that runs always()), once per matrix combination. */
export async function runWorkflow(
  jobs: Record<string, WorkflowJob>,
  options: RunOptions,
): Promise<{ jobs: Record<string, JobRun>; steps: StepRecord[] }> {
  const results: Record<string, JobRun> = Object.fromEntries(
    Object.entries(options.earlier ?? {}).map(([id, run]) => [id, { ...run, summary: '' }]),
  );
  const steps: StepRecord[] = [];
  const needsScope = () =>
    Object.fromEntries(Object.entries(results).map(([id, run]) => [id, { result: run.status, outputs: run.outputs }]));

  for (const [jobId, job] of Object.entries(jobs)) {
    const needs = [job.needs ?? []].flat();
    const secrets = { ...options.context.secrets, ...options.environmentSecrets?.[job.environment?.name ?? ''] };
    const scope: Scope = { ...options.context, secrets, needs: needsScope() };
    const always = job.if !== undefined && STATUS_CHECK.test(job.if);
    const blocked = !always && needs.some((id) => results[id]?.status !== 'success');
    if (blocked || (job.if !== undefined && !evaluateCondition(job.if, scope))) {
      results[jobId] = { status: 'skipped', outputs: {}, summary: '' };
      continue;
    }
    const axes = Object.entries(job.strategy?.matrix ?? {}).map(([axis, values]): [string, unknown[]] => [
      axis,
      options.matrix?.[axis] ??
        (typeof values === 'string' ? (evaluate(/^\$\{\{\s*(.+?)\s*\}\}$/.exec(values)![1]!, scope) as unknown[]) : (values as unknown[])),
    ]);

    const run: JobRun = { status: 'success', outputs: {}, summary: '' };
    for (const matrix of combinations(axes)) {
      const label = Object.values(matrix).map((value) => (typeof value === 'object' ? JSON.stringify(value) : String(value)));
      const instance = `${jobId}${label.length ? ` (${label.join(', ')})` : ''}`;
      const files = mkdtempSync(join(tmpdir(), 'workflow-runner-'));
      const summaryFile = join(files, 'summary.md');
      const envFile = join(files, 'env');
      writeFileSync(summaryFile, '');
      writeFileSync(envFile, '');
      const stepScope: Scope = { ...scope, matrix, steps: {} };
      const resolveEnv = (env: Record<string, string> = {}) =>
        Object.fromEntries(Object.entries(env).map(([key, text]) => [key, substitute(String(text), stepScope)]));
      const jobEnv = resolveEnv(job.env);
      let failed = false;
      for (const [index, step] of job.steps.entries()) {
        const stepsScope = stepScope.steps as Scope;
        const reason = step.uses
          ? `uses ${step.uses.split('@')[0]}, which only runs on GitHub`
          : step.id
            ? options.skip?.[step.id]
            : undefined;
        // As on GitHub: a step whose condition names no status check runs only while nothing has failed.
        const wanted =
          step.if === undefined ? !failed : (STATUS_CHECK.test(step.if) || !failed) && evaluateCondition(step.if, stepScope, failed);
        if (reason || !wanted) {
          steps.push({
            job: instance,
            step: step.name,
            outcome: 'skipped',
            reason: reason ?? (failed ? 'an earlier step failed' : `its condition is false: ${step.if}`),
          });
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
          ...options.env,
          ...jobEnv,
          ...readPairs(envFile),
          ...resolveEnv(step.env),
        };
        if (options.echo) process.stdout.write(`\n▶ ${instance}: ${step.name}\n  $ ${step.run!.split('\n').join('\n    ')}\n`);
        const started = performance.now();
        const result = await bash(step.run!, options.workdir, env, options.echo ?? false);
        const seconds = Math.round((performance.now() - started) / 100) / 10;
        steps.push({ job: instance, step: step.name, outcome: result.code === 0 ? 'passed' : 'failed', output: result.output, seconds });
        if (step.id) stepsScope[step.id] = { outputs: readPairs(outputFile) };
        failed ||= result.code !== 0;
      }
      run.summary += readFileSync(summaryFile, 'utf8');
      if (failed) run.status = 'failure';
      for (const [name, value] of Object.entries(job.outputs ?? {})) run.outputs[name] = substitute(value, stepScope);
      rmSync(files, { recursive: true, force: true });
    }
    results[jobId] = run;
  }
  return { jobs: results, steps };
}
