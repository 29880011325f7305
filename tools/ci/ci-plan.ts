#!/usr/bin/env tsx
// npm run ci:plan: ci.yml's plan job. Lists the affected tasks and splits them into shards by the durations of
// the last run on main; `record` merges a run's Nx timings into those durations for the next plan.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { CI_TARGETS } from './src/pipeline';
import { mergeDurations, nxRunsOf, planShards, shardTable, tasksOfGraph, type Durations, type NxRun } from './src/shards';
import { CI_SHARDS } from './src/workflows';

const usage = `
Usage: npm run ci:plan -- [--shards N] [--min-shard-seconds S] [--durations FILE] [--all] [--github-output]
       npm run ci:plan -- record --durations FILE ROOT...

Plans a CI run: lists the tasks (${CI_TARGETS.join(', ')}) of the projects affected between $NX_BASE and $NX_HEAD
(nx affected; --all: every project), and splits them into at most N shards of about equal time, by the seconds
FILE holds per task (what \`record\` wrote after the last run on main; a task it does not know is estimated).
Prints the plan as a table and the shards as JSON.

  --shards N              the most runners (default ${CI_SHARDS.count}, ci.yml's setting in tools/ci/src/workflows.ts)
  --min-shard-seconds S   less work than this per shard does not pay for a runner (default ${CI_SHARDS.minShardSeconds})
  --durations FILE        default .nx/ci-durations.json; a missing file means every task is estimated
  --github-output         also write shards=<json> to $GITHUB_OUTPUT and the table to $GITHUB_STEP_SUMMARY

record: merges Nx's run.json of each ROOT (a shard's results as the summary job downloads them, or this
workspace: ROOT/.nx/cache/run.json) into FILE: every task that ran (not from a cache, and passed) gets its new
duration; the others keep theirs.
`;
const { values, positionals } = cliOrExit(process.argv.slice(2), usage, {
  shards: { type: 'string', default: String(CI_SHARDS.count) },
  'min-shard-seconds': { type: 'string', default: String(CI_SHARDS.minShardSeconds) },
  durations: { type: 'string', default: '.nx/ci-durations.json' },
  all: { type: 'boolean' },
  'github-output': { type: 'boolean' },
});

const fail = (message: string): never => {
  console.error(`ci-plan: ${message}`);
  process.exit(2);
};
const readJson = <T>(file: string, what: string): T => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    return fail(`${file} is not ${what}: ${(error as Error).message}`);
  }
};
const durations: Durations = existsSync(values.durations)
  ? readJson<Durations>(values.durations, 'a durations file (task id -> seconds)')
  : {};

if (positionals[0] === 'record') {
  const roots = positionals.slice(1);
  if (roots.length === 0) fail("record needs the folders of the run (the shards' results, e.g. ci-shards/*, or .)");
  let runs: NxRun[] = [];
  try {
    runs = nxRunsOf(roots);
  } catch (error) {
    fail((error as Error).message);
  }
  if (runs.length === 0) fail(`no .nx/cache/run.json under ${roots.join(', ')}: did the shards run with NX_CACHE_DIRECTORY=.nx/cache?`);
  const merged = mergeDurations(durations, runs);
  mkdirSync(dirname(values.durations), { recursive: true });
  writeFileSync(values.durations, `${JSON.stringify(merged, null, 2)}\n`);
  console.log(`ci-plan: ${Object.keys(merged).length} task durations in ${values.durations}`);
  process.exit(0);
}
if (positionals.length > 0) fail(`unknown command "${positionals[0]}"; the commands are plan (the default) and record`);

const count = (name: 'shards' | 'min-shard-seconds', min: number) => {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < min) fail(`--${name} must be a whole number of at least ${min}, got "${values[name]}"`);
  return value;
};
const options = { shards: count('shards', 1), minShardSeconds: count('min-shard-seconds', 0) };

const nx = spawnSync('npx', ['nx', values.all ? 'run-many' : 'affected', '-t', ...CI_TARGETS, '--graph=stdout'], {
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
if (nx.status !== 0) fail(`nx could not list the affected tasks (exit ${nx.status}):\n${nx.stderr}`);
const graph = JSON.parse(nx.stdout.slice(nx.stdout.indexOf('{'))) as Parameters<typeof tasksOfGraph>[0];
const shards = planShards(tasksOfGraph(graph), durations, { shards: options.shards, minShardSeconds: options.minShardSeconds });

const table = shardTable(shards, durations);
console.log(table);
const matrix = JSON.stringify(shards.map((shard) => ({ index: shard.index, projects: shard.projects.join(','), seconds: shard.seconds })));
console.log(matrix);
if (values['github-output']) {
  if (!process.env.GITHUB_OUTPUT) fail('--github-output needs $GITHUB_OUTPUT (it is set in a GitHub Actions step)');
  appendFileSync(process.env.GITHUB_OUTPUT!, `shards=${matrix}\n`);
  if (process.env.GITHUB_STEP_SUMMARY) appendFileSync(process.env.GITHUB_STEP_SUMMARY, `${table}\n`);
}
