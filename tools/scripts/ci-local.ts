#!/usr/bin/env tsx
// npm run ci:local: ci.yml's check job on this machine, from the step list .projenrc.ts generates it from.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliOrExit } from './src/cli';
import { bashStep, CHECK_ENV, checkSteps } from './src/pipeline';

const usage = `
Usage: npm run ci:local -- [--base REF] [--head REF]

Runs the steps of ci.yml's check job, in order, here: npm ci, nx affected -t lint typecheck test build (the
coverage gates included), and the job summary, which it prints at the end. The steps that use a GitHub action
(checkout, setup-node, nx-set-shas, the Nx cache, the artifact upload) only run on GitHub; they are listed as
skipped. It stops at the first failed step, as GitHub does, except for steps marked if: always().
Set DATABASE_URL to run the storage and e2e tests against PostgreSQL too, as CI does.

  --base REF   what nx affected compares against (default: $NX_BASE, else nx.json's defaultBase, main)
  --head REF   default: $NX_HEAD, else the working tree, uncommitted changes included
`;
const { values } = cliOrExit(process.argv.slice(2), usage, { base: { type: 'string' }, head: { type: 'string' } });

const scratch = mkdtempSync(join(tmpdir(), 'ci-local-'));
const summaryFile = join(scratch, 'step-summary.md');
writeFileSync(summaryFile, '');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...CHECK_ENV,
  CI: 'true',
  GITHUB_STEP_SUMMARY: summaryFile,
  ...(values.base ? { NX_BASE: values.base } : {}),
  ...(values.head ? { NX_HEAD: values.head } : {}),
};
if (!env.DATABASE_URL) console.log('ci:local: DATABASE_URL is not set, so the storage tests run on PGlite only (CI runs them on PostgreSQL too)');

const steps = checkSteps(process.versions.node);
const results: string[] = [];
let failed = false;
for (const [index, step] of steps.entries()) {
  const label = `${index + 1}/${steps.length} ${step.name}`;
  if (step.uses) {
    results.push(`  skipped  ${step.name} (GitHub only: ${step.uses.split('@')[0]})`);
    continue;
  }
  if (failed && step.if !== 'always()') {
    results.push(`  not run  ${step.name} (an earlier step failed)`);
    continue;
  }
  console.log(`\nci:local: ▶ ${label}\n  $ ${step.run}`);
  const started = performance.now();
  const run = spawnSync('bash', bashStep(step.run!), { stdio: 'inherit', env: { ...env, ...step.env } });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const ok = run.status === 0;
  failed ||= !ok;
  results.push(`  ${ok ? 'passed ' : 'FAILED '}  ${step.name} (${seconds} s${ok ? '' : `, exit ${run.status ?? run.signal}`})`);
}

const summary = readFileSync(summaryFile, 'utf8').trim();
rmSync(scratch, { recursive: true, force: true });
if (summary) console.log(`\nci:local: the job summary\n\n${summary}`);
console.log(`\nci:local: ${failed ? 'FAILED' : 'passed'}\n${results.join('\n')}`);
process.exit(failed ? 1 : 0);
