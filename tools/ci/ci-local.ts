#!/usr/bin/env tsx
// npm run ci:local: ci.yml on this machine, from the generated workflow itself: plan, every shard, summary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { parse } from 'yaml';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { directoryStore, startRemoteCache, type RemoteCacheServer } from '@mcp-fleet/nx-cache';
import { cacheCounts, nxRunsOf } from './src/shards';
import { runWorkflow, type WorkflowJob } from './src/workflow-runner';

const usage = `
Usage: npm run ci:local -- [--base REF] [--head REF] [--cache-dir DIR | --cache-server URL]

Runs ci.yml's jobs here, in order, from .github/workflows/ci.yml itself: the plan job (the tasks nx affected
finds between --base and --head, split into shards by the last recorded durations), every shard one after
another, and the summary job, whose report it prints. The steps that use a GitHub action (checkout,
setup-node, nx-set-shas, the Actions cache, the artifact upload and download) only run on GitHub and are
listed as skipped; npm ci runs once, before the jobs; the Node axis of the matrix is this machine's Node.

All shards share one Nx remote cache, as on GitHub: a server this command starts over --cache-dir, or your
own cache server. At the end it prints how many tasks came from it.

  --base REF          what nx affected compares against (default: $NX_BASE, else nx.json's defaultBase, main)
  --head REF          default: $NX_HEAD, else the working tree, uncommitted changes included
  --cache-dir DIR     the folder the local cache server keeps archives in (default ~/.cache/mcp-fleet/nx-remote-cache)
  --cache-server URL  use this server instead (npm run nx-cache-server, or yours), with NX_CACHE_WRITE_TOKEN
Set DATABASE_URL to run the storage and e2e tests against PostgreSQL too, as CI does.
`;
const { values } = cliOrExit(process.argv.slice(2), usage, {
  base: { type: 'string' },
  head: { type: 'string' },
  'cache-dir': { type: 'string', default: join(homedir(), '.cache', 'mcp-fleet', 'nx-remote-cache') },
  'cache-server': { type: 'string' },
});

const root = workspaceRoot();
const fail = (message: string): never => {
  console.error(`ci:local: ${message}`);
  process.exit(2);
};
if (values['cache-server'] && !process.env.NX_CACHE_WRITE_TOKEN) fail('--cache-server needs the write token in NX_CACHE_WRITE_TOKEN');
if (!process.env.DATABASE_URL)
  console.log('ci:local: DATABASE_URL is not set, so the storage tests run on PGlite only (CI runs them on PostgreSQL too)');

console.log('\nci:local: ▶ npm ci');
if (spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' }).status !== 0) fail('npm ci failed');

let server: RemoteCacheServer | undefined;
let cache: { url: string; token: string };
if (values['cache-server']) {
  cache = { url: values['cache-server'], token: process.env.NX_CACHE_WRITE_TOKEN! };
} else {
  const token = 'ci-local';
  server = await startRemoteCache({
    store: directoryStore(values['cache-dir']),
    tokens: new Map([[token, 'write']]),
    scratch: mkdtempSync(join(tmpdir(), 'ci-local-cache-')),
  });
  cache = { url: server.url, token };
  console.log(`ci:local: the Nx remote cache is ${server.url}, over ${values['cache-dir']}`);
}

// Results of an earlier run would be read as this run's.
rmSync(join(root, 'ci-shards'), { recursive: true, force: true });
const workflow = parse(readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8')) as { jobs: Record<string, WorkflowJob> };
// The shard job's DATABASE_URL names GitHub's service container; here PostgreSQL is yours (DATABASE_URL) or none.
for (const job of Object.values(workflow.jobs)) delete job.env?.DATABASE_URL;
const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
const run = await runWorkflow(workflow.jobs, {
  workdir: root,
  // A push to main, so that the summary records the durations the next ci:local plans by.
  context: {
    github: { event_name: 'push', ref: 'refs/heads/main', sha: head },
    secrets: { NX_CACHE_URL: '', NX_CACHE_READ_TOKEN: '', NX_CACHE_WRITE_TOKEN: '' },
  },
  matrix: { node: [process.versions.node] },
  skip: {
    install: 'npm ci ran once, before the jobs',
    'nx-cache': `ci:local serves the cache: ${cache.url}`,
    'nx-cache-writer': `ci:local serves the cache: ${cache.url}`,
  },
  env: {
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: cache.url,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: cache.token,
    ...(values.base ? { NX_BASE: values.base } : {}),
    ...(values.head ? { NX_HEAD: values.head } : {}),
  },
  echo: true,
});
await server?.close();

const shards = join(root, 'ci-shards');
const counts = cacheCounts(nxRunsOf(existsSync(shards) ? readdirSync(shards).map((shard) => join(shards, shard)) : []));
const summaries = Object.entries(run.jobs).filter(([, job]) => job.summary.trim());
for (const [id, job] of summaries) console.log(`\nci:local: the ${id} job's summary\n\n${job.summary.trim()}`);
console.log(
  `\nci:local: ${counts.tasks} tasks; ${counts.remote} from the remote cache, ${counts.local} from the local cache, ${counts.ran} run`,
);
const failed = Object.values(run.jobs).some((job) => job.status === 'failure');
console.log(`\nci:local: ${failed ? 'FAILED' : 'passed'}`);
for (const step of run.steps)
  console.log(
    `  ${step.outcome.padEnd(7)}  ${step.job}: ${step.step}${step.reason ? ` (${step.reason})` : step.seconds !== undefined ? ` (${step.seconds} s)` : ''}`,
  );
process.exit(failed ? 1 : 0);
