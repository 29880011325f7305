#!/usr/bin/env tsx
// npm run bench: the same echo call served nine ways, under the same load, in one run on this machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProcessSampler, startServerProcess, workspaceRoot } from '@mcp-fleet/testing';
import autocannon from 'autocannon';
import { $ } from 'zx';
import { carriesEcho, EXTRA_TOOLS, legacySessionCall, listsAllTools, modernCall, modernList, openLegacySession, type BenchVariant } from './src/bench-variants';
import { cliOrExit } from './src/cli';
import { parseCount, parseDuration } from './src/measures';
import { table } from './src/report';

const usage = `
Usage: npm run bench [-- --rounds 5 --duration 4s --warmup 2s --connections 50 --only a,b --json --out FILE]

Serves the same echo tool several ways, each as its own process on loopback, and drives each with autocannon
under the same load (a warm-up, then the measured run), one after another, in rounds:
  (a) the bare SDK v2 in its documented stateless pattern (createMcpHandler + toNodeHandler on node:http)
  (b) our runtime, stateless, with the full default middleware chain (bench/runtime-echo)
  (c) the same with a 2025-era legacy session (HTTP__LEGACY_SESSIONS=true)
  (d) plain node:http returning a fixed JSON-RPC result: the ceiling
  (e) (a) with 100 extra tools registered, each with its own schema: the cost of a large server
  (f) (b) with the same 100 extra tools
  (g) (f) answering tools/list instead of the echo call
  (h) (b) with the fast lane off (HTTP__FAST_LANE=false): every request through the SDK's HTTP entry
  (i) (f) with a factory that reads ctx.authInfo: instances kept per principal, served by the SDK's entry
Prints requests/s, p50 and p99 latency, errors, the server's RSS and its CPU time per request, with ratios to
(a) and (d). Each figure is the median of the rounds (errors: their sum): every round runs every variant, so a
machine that speeds up or slows down during the bench moves all of them alike instead of skewing the ratios.
On a small machine the load generator shares the cores, so req/s moves ±10% between runs; CPU µs per request
is the steadier comparison.

  --rounds N          times each variant is measured, interleaved (default 5)
  --duration TIME     measured run per variant and round (default 4s)
  --warmup TIME       unmeasured run first, on each fresh process (default 2s)
  --connections N     concurrent connections (default 50)
  --only LIST         some variants, e.g. a,b
  --json              print the results as JSON instead of the table
  --out FILE          also write the JSON to FILE
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  rounds: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  only: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
});

const root = workspaceRoot();
const bench = (file: string) => join(root, 'tools', 'scripts', 'bench', file);
const VARIANTS: BenchVariant[] = [
  { id: 'a', name: 'bare SDK, stateless', app: bench('bare-sdk-server.mjs') },
  { id: 'b', name: 'runtime, stateless, full chain', app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined } },
  { id: 'c', name: 'runtime, legacy session', app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined, HTTP__LEGACY_SESSIONS: 'true' }, session: true },
  { id: 'd', name: 'node:http fixed JSON (ceiling)', app: bench('fixed-json-server.mjs') },
  { id: 'e', name: `bare SDK, +${EXTRA_TOOLS} tools`, app: bench('bare-sdk-server.mjs'), env: { BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) } },
  { id: 'f', name: `runtime, +${EXTRA_TOOLS} tools`, app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) } },
  { id: 'g', name: `runtime, +${EXTRA_TOOLS} tools, tools/list`, app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) }, call: 'list' },
  { id: 'h', name: 'runtime, fast lane off', app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined, HTTP__FAST_LANE: 'false' } },
  { id: 'i', name: `runtime, +${EXTRA_TOOLS} tools, per principal`, app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS), BENCH_PER_PRINCIPAL: 'true' } },
];

let settings: { rounds: number; duration: number; warmup: number; connections: number; variants: BenchVariant[] };
try {
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !VARIANTS.some((variant) => variant.id === id)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: no variant ${unknown.join(', ')}; the variants are ${VARIANTS.map((variant) => variant.id).join(', ')}`);
  settings = {
    rounds: parseCount(values.rounds, '--rounds', 5),
    duration: parseDuration(values.duration ?? '4s', '--duration'),
    warmup: parseDuration(values.warmup ?? '2s', '--warmup'),
    connections: parseCount(values.connections, '--connections', 50),
    variants: VARIANTS.filter((variant) => !only || only.includes(variant.id)),
  };
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
say('building bench/runtime-echo …');
await $({ cwd: root, quiet: true })`npx tsx tools/scripts/build-app.ts tools/scripts/bench/runtime-echo`;

interface Row {
  id: string;
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
  /** Server CPU per answered request: steadier than req/s on a small machine, where the load generator shares the cores. */
  cpuUsPerRequest: number;
}
/** One measured run of `variant` on a fresh process. */
async function measure(variant: BenchVariant, round: number): Promise<Row> {
  // Logs go nowhere we read, as a container runtime would take them: the cost of writing them is measured.
  const server = await startServerProcess({ app: variant.app, env: { LOG_LEVEL: 'info', ...variant.env }, coverageDir: false });
  try {
    const request = variant.session ? legacySessionCall(await openLegacySession(server.url)) : variant.call === 'list' ? modernList : modernCall;
    const check = await fetch(server.url, { method: 'POST', ...request });
    const checkBody = await check.text();
    const answered = variant.call === 'list' ? listsAllTools(checkBody) : carriesEcho(checkBody);
    if (!check.ok || !answered) throw new Error(`(${variant.id}) does not answer its ${variant.call ?? 'echo'} request: ${check.status} ${checkBody.slice(0, 300)}`);
    const run = (seconds: number) =>
      autocannon({ url: server.url, method: 'POST', connections: settings.connections, duration: seconds, headers: request.headers, body: request.body });
    say(`round ${round}/${settings.rounds} (${variant.id}) ${variant.name}: warm-up ${settings.warmup / 1000} s, then ${settings.duration / 1000} s at ${settings.connections} connections …`);
    await run(settings.warmup / 1000);
    const cpu = await cpuSeconds(server.pid);
    const result = await run(settings.duration / 1000);
    const cpuUsed = (await cpuSeconds(server.pid)) - cpu;
    const sample = await createProcessSampler({ pid: server.pid }).sample();
    const cpuUsPerRequest = (cpuUsed * 1e6) / Math.max(1, result.requests.total);
    say(`round ${round}/${settings.rounds} (${variant.id}): ${Math.round(result.requests.average)} req/s, ${Math.round(cpuUsPerRequest)} µs CPU per request`);
    return {
      id: variant.id,
      name: variant.name,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.timeouts + result.non2xx,
      rssMb: sample.rssMb,
      cpuUsPerRequest,
    };
  } finally {
    server.logs.length = 0;
    await server.stop();
  }
}

const runs = new Map<string, Row[]>(settings.variants.map((variant) => [variant.id, []]));
for (let round = 1; round <= settings.rounds; round++) {
  for (const variant of settings.variants) runs.get(variant.id)!.push(await measure(variant, round));
}
const rows: Row[] = [...runs.values()].map((samples) => ({
  ...samples[0]!,
  rps: median(samples.map((row) => row.rps)),
  p50: median(samples.map((row) => row.p50)),
  p99: median(samples.map((row) => row.p99)),
  errors: samples.reduce((sum, row) => sum + row.errors, 0),
  rssMb: median(samples.map((row) => row.rssMb)),
  cpuUsPerRequest: median(samples.map((row) => row.cpuUsPerRequest)),
}));

const a = rows.find((row) => row.id === 'a');
const d = rows.find((row) => row.id === 'd');
const ratio = (value: number, base: number | undefined) => (base ? value / base : Number.NaN);
const report = rows.map((row) => ({
  ...row,
  rpsVsA: ratio(row.rps, a?.rps),
  p99VsA: ratio(row.p99, a?.p99),
  rpsVsD: ratio(row.rps, d?.rps),
  cpuVsA: ratio(row.cpuUsPerRequest, a?.cpuUsPerRequest),
}));
const output = { rounds: settings.rounds, connections: settings.connections, durationMs: settings.duration, warmupMs: settings.warmup, node: process.version, variants: report };
if (values.out) writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`);
if (values.json) {
  console.log(JSON.stringify(output, null, 2));
} else {
  const show = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(2));
  console.log(
    table(
      ['variant', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'RSS MB', 'CPU µs/req', 'req/s vs a', 'p99 vs a', 'CPU vs a', 'req/s vs d'],
      report.map((row) => [
        `(${row.id}) ${row.name}`,
        Math.round(row.rps),
        row.p50,
        row.p99,
        row.errors,
        row.rssMb,
        Math.round(row.cpuUsPerRequest),
        show(row.rpsVsA),
        show(row.p99VsA),
        show(row.cpuVsA),
        show(row.rpsVsD),
      ]),
    ),
  );
}

/** User plus system CPU seconds the process has used (Linux: /proc/<pid>/stat, in ticks of 1/100 s). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
