#!/usr/bin/env -S node --import tsx
// npm run load: drive one MCP service with real SDK clients and print what it sustained.
import { loadTest, SEED_PROFILES, type LoadTestResult } from '@mcp-fleet/testing';
import { breached, cliOrExit, type Figures, parseCount, parseDuration, parseThresholds, progressReporter, table } from '@mcp-fleet/cli-kit';
import { writeFileSync } from 'node:fs';
import { chartsFileFor, chartsMarkdown, checkOutFile, loadCharts } from './src/charts';
import { resolveTarget, TARGET_FLAGS, targetOptions } from './src/targets';

const usage = `
Usage: npm run load -- (--app NAME | --url URL) [options]

Drives a service with a pool of SDK v2 clients (protocol 2026-07-28) and reports calls, errors, calls per
second and latency (min, mean, median, p95, p99, max). Progress goes to stderr; the table (or --json) to stdout.

Target, one of:
  --app NAME           build apps/NAME, start it on a free loopback port (MCP_ENV=test), test it, stop it
  --url URL            a running service's MCP endpoint; only this machine unless --allow-remote
  --token TOKEN        bearer token (default: $MCP_TOKEN)
  --login USER:PASS    call the service's login tool first and use its token
  --allow-remote       allow --url to name another machine

What to call:
  --tool NAME          default: the app's mcpFleet.loadCall in its package.json (which may log in), else echo
  --args JSON          the tool's arguments; default: the loadCall's, else {"message":"load test"}

How much:
  --profile seed       the seed's three runs: 100 calls at 5 at once, 500 at 20, 1000 at 50
  --total N            calls to measure (default 1000 unless --duration is given)
  --concurrency N      calls in flight at once (default 10)
  --warmup N           unmeasured calls first (default 10% of --total, at most 50)
  --duration TIME      measure for this long (e.g. 30s); with --total, whichever ends first

Results:
  --json               print the results as JSON
  --out FILE.json      also write the JSON to FILE.json, and beside it FILE.md: latency percentiles and
                       throughput per step as Mermaid charts (GitHub renders them in a job summary)
  --fail-on LIST       exit 1 when any condition holds, e.g. p95>200ms,errors>0
                       metrics: calls, errors, error_rate (%), rps, min, mean, median, p95, p99, max (ms)

Examples:
  npm run load -- --app text-tools --profile seed
  npm run load -- --app documents --tool create_document --args '{"title":"t","content":"c"}' --concurrency 20
`;

const METRICS = ['calls', 'errors', 'error_rate', 'rps', 'min', 'mean', 'median', 'p95', 'p99', 'max'] as const;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  ...TARGET_FLAGS,
  profile: { type: 'string' },
  total: { type: 'string' },
  concurrency: { type: 'string' },
  warmup: { type: 'string' },
  duration: { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  'fail-on': { type: 'string' },
});

const say = (line: string) => process.stderr.write(`load: ${line}\n`);
let runs: { name: string; total?: number; concurrency: number; duration?: number; warmup?: number }[];
let thresholds: ReturnType<typeof parseThresholds> = [];
try {
  if (values.out !== undefined) checkOutFile(values.out);
  if (values.profile !== undefined && values.profile !== 'seed') throw new Error(`--profile must be seed, got "${values.profile}"`);
  const duration = values.duration === undefined ? undefined : parseDuration(values.duration, '--duration');
  runs =
    values.profile === 'seed'
      ? SEED_PROFILES.map((profile) => ({ ...profile }))
      : [
          {
            name: 'run',
            total: values.total === undefined && duration !== undefined ? undefined : parseCount(values.total, '--total', 1000),
            concurrency: parseCount(values.concurrency, '--concurrency', 10),
            duration,
            warmup: values.warmup === undefined ? undefined : parseCount(values.warmup, '--warmup', 0, 0),
          },
        ];
  thresholds = parseThresholds(values['fail-on'] ?? '', METRICS);
} catch (error) {
  console.error(`load: ${(error as Error).message}`);
  process.exit(2);
}

const target = await resolveTarget(targetOptions(values), say).catch((error: Error) => {
  console.error(`load: ${error.message}`);
  process.exit(2);
});

const results: (LoadTestResult & { name: string; figures: Figures })[] = [];
try {
  for (const run of runs) {
    const progress = progressReporter(`load ${run.name}`);
    const result = await loadTest({
      target: { url: target.url, token: target.token },
      call: target.call,
      total: run.total,
      duration: run.duration,
      concurrency: run.concurrency,
      warmup: run.warmup,
      onProgress: ({ done, total, errors, elapsedMs, durationMs }) =>
        progress.update(
          total ? done / total : elapsedMs / durationMs!,
          `${done} calls, ${errors} errors, ${(elapsedMs / 1000).toFixed(1)} s`,
        ),
    });
    progress.done();
    const { latency } = result;
    const figures: Figures = {
      calls: result.count,
      errors: result.errorCount,
      error_rate: result.count === 0 ? 0 : (100 * result.errorCount) / result.count,
      rps: result.throughput,
      ...latency,
    };
    results.push({ name: run.name, ...result, figures });
  }
} finally {
  await target.stop();
}

const report = { target: target.url, tool: target.call.tool, runs: results };
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(chartsFileFor(values.out), chartsMarkdown(`npm run load: ${report.tool} on ${report.target}`, loadCharts(results)));
  say(`wrote ${values.out} and ${chartsFileFor(values.out)}`);
}
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(
    table(
      ['run', 'calls', 'conc', 'errors', 'rps', 'min ms', 'mean ms', 'median ms', 'p95 ms', 'p99 ms', 'max ms'],
      results.map((r) => [
        r.name,
        r.count,
        r.concurrency,
        r.errorCount,
        r.throughput,
        r.latency.min,
        r.latency.mean,
        r.latency.median,
        r.latency.p95,
        r.latency.p99,
        r.latency.max,
      ]),
    ),
  );
  for (const r of results) if (r.errorCount > 0) console.log(`${r.name}: errors by kind ${JSON.stringify(r.errors)}`);
}

const failures = results.flatMap((r) =>
  breached(thresholds, r.figures).map((t) => `${r.name}: ${t.text} (was ${r.figures[t.metric]!.toFixed(2)})`),
);
for (const failure of failures) console.error(`load: threshold not met: ${failure}`);
process.exit(failures.length > 0 ? 1 : 0);
