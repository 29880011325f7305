#!/usr/bin/env tsx
// npm run bench:lambda — a function's cold start and per-invocation CPU, beside the same app as an HTTP process.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { readProcessUsage, startServerProcess } from '@mcp-fleet/testing';
import { $ } from 'zx';
import { cliOrExit, parseCount, table } from '@mcp-fleet/cli-kit';
import { legacyStatelessCall, modernCall } from './src/bench-variants';
import { ensureNode24, NODE24_VERSION } from '@mcp-fleet/cli-kit/node24';

const usage = `
Usage: npm run bench:lambda [-- --app text-tools --starts 10 --calls 2000 --node24 --node PATH]

Builds the app's function bundle (build-lambda) and its HTTP build, then, on each Node (this one, and Node
${NODE24_VERSION} with --node24 or another with --node), measures:
  - a function's cold start: spawn to handler ready (the module's import, its top-level await: config, the
    factory's first instance), wall time and CPU, the median of --starts new processes;
  - CPU per invocation of the buffered handler, warm, for the echo call in each protocol era (2026-07-28, 2025);
  - the same app as an HTTP process (dist/main.js): spawn to "listening", and its CPU per request for the same
    two calls, sent one after another over one connection.
Lambda adds its own runtime start and network in front of the first; this is the part the app and runtime decide.

  --app NAME      an app with src/lambda.ts (default text-tools, whose echo tool the calls use)
  --starts N      cold starts measured per Node (default 10)
  --calls N       invocations per era (default 2000)
  --node PATH     also measure on this Node binary
  --node24        also measure on Node ${NODE24_VERSION}, the production runtime (installed into .nx/ on first use)
`;
const { values } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string' },
  starts: { type: 'string' },
  calls: { type: 'string' },
  node: { type: 'string' },
  node24: { type: 'boolean' },
});

const root = workspaceRoot();
const say = (line: string) => process.stderr.write(`bench:lambda: ${line}\n`);
let settings: { app: string; starts: number; calls: number; nodes: string[] };
try {
  settings = {
    app: values.app ?? 'text-tools',
    starts: parseCount(values.starts, '--starts', 10),
    calls: parseCount(values.calls, '--calls', 2000),
    nodes: [process.execPath, ...(values.node ? [values.node] : []), ...(values.node24 ? [await ensureNode24(root, say)] : [])],
  };
} catch (error) {
  console.error(`bench:lambda: ${(error as Error).message}`);
  process.exit(2);
}
const appDir = join(root, 'apps', settings.app);
say(`building ${settings.app}: build-lambda and build …`);
await $({ cwd: appDir, quiet: true })`npx mcp-fleet-build-lambda`;
await $({ cwd: appDir, quiet: true })`npx mcp-fleet-build`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const driver = join(root, 'tools', 'scripts', 'lambda-driver.mjs');
const env = { ...process.env, MCP_ENV: 'production', LOG_LEVEL: 'warn' };

/** One cold start of the function: wall ms to "ready", and what the driver measured. */
function coldStart(node: string, calls: number): Promise<{ wallMs: number; initCpuMs: number; modernCpuUs: number; legacyCpuUs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let wallMs = 0;
    let output = '';
    // stdout carries the driver's lines and the function's EMF lines; only the driver's are read.
    const child = spawn(node, [driver, join(appDir, 'dist', 'lambda'), String(calls)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      if (!wallMs && output.includes('ready\n')) wallMs = performance.now() - started;
    });
    child.on('close', (code) => {
      const line = output.split('\n').find((text) => text.startsWith('{"initCpuMs"'));
      if (code !== 0 || !line) return reject(new Error(`the driver exited ${code}: ${output.slice(-500)}`));
      resolve({ wallMs, ...(JSON.parse(line) as { initCpuMs: number; modernCpuUs: number; legacyCpuUs: number }) });
    });
  });
}

/** The HTTP process: spawn to "listening" (wall and CPU), and its CPU per request for each era's call. */
async function httpProcess(node: string, calls: number) {
  const started = performance.now();
  const server = await startServerProcess({
    app: settings.app,
    env: { MCP_ENV: 'production', HOST: '127.0.0.1', PORT: '0' },
    coverageDir: false,
    keepLogs: false,
    node,
  });
  const wallMs = performance.now() - started;
  try {
    const initCpuMs = (await readProcessUsage(server.pid)).cpuSeconds * 1000;
    const perEra: Record<string, number> = {};
    for (const [era, request] of Object.entries({ modern: modernCall, legacy: legacyStatelessCall })) {
      const send = async () => {
        const response = await fetch(server.url, { method: 'POST', ...request });
        if (!(await response.text()).includes('bench')) throw new Error(`${era} call answered ${response.status}`);
      };
      for (let i = 0; i < calls / 4; i++) await send();
      const before = (await readProcessUsage(server.pid)).cpuSeconds;
      for (let i = 0; i < calls; i++) await send();
      perEra[era] = (((await readProcessUsage(server.pid)).cpuSeconds - before) * 1e6) / calls;
    }
    return { wallMs, initCpuMs, modernCpuUs: perEra.modern!, legacyCpuUs: perEra.legacy! };
  } finally {
    await server.stop();
  }
}

const rows: (string | number)[][] = [];
for (const node of settings.nodes) {
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  const starts = [];
  for (let i = 1; i <= settings.starts; i++) {
    say(`Node ${version}: function cold start ${i}/${settings.starts} …`);
    starts.push(await coldStart(node, i === 1 ? settings.calls : 8));
  }
  const calls = starts[0]!;
  say(`Node ${version}: the HTTP process …`);
  const http = await httpProcess(node, settings.calls);
  const show = (n: number) => Math.round(n * 10) / 10;
  rows.push([
    `${settings.app} as a function (buffered handler)`,
    version,
    show(median(starts.map((s) => s.wallMs))),
    show(median(starts.map((s) => s.initCpuMs))),
    show(calls.modernCpuUs),
    show(calls.legacyCpuUs),
  ]);
  rows.push([
    `${settings.app} as an HTTP process (dist/main.js)`,
    version,
    show(http.wallMs),
    show(http.initCpuMs),
    show(http.modernCpuUs),
    show(http.legacyCpuUs),
  ]);
}
console.log(`cold start: median of ${settings.starts} starts; CPU per call: ${settings.calls} warm calls per era`);
console.log(table(['host', 'Node', 'start ms (spawn to ready)', 'start CPU ms', 'CPU µs/call 2026-07-28', 'CPU µs/call 2025'], rows));
