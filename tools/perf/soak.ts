#!/usr/bin/env -S node --import tsx
// npm run soak: a steady call rate for a while, watching the server's memory and CPU, with a verdict on growth.
import { soakTest, type SampleSource } from '@mcp-fleet/testing';
import { breached, cliOrExit, type Figures, parseDuration, parseThresholds, progressReporter, table } from '@mcp-fleet/cli-kit';
import { writeFileSync } from 'node:fs';
import { chartsFileFor, chartsMarkdown, checkOutFile, soakCharts } from './src/charts';
import { resolveTarget, TARGET_FLAGS, targetOptions } from './src/targets';

const usage = `
Usage: npm run soak -- (--app NAME | --url URL) [options]

Calls a tool at a steady rate for a while, samples the server process's RSS and CPU, and judges whether its
memory grows (least-squares RSS slope after the first 20% of the run, in MB per minute). A local --app is
sampled through /proc; a --url through its /metrics (process_resident_memory_bytes, process_cpu_seconds_total).

Target, one of:
  --app NAME              build apps/NAME, start it on a free loopback port, soak it, stop it
  --url URL               a running service's MCP endpoint; only this machine unless --allow-remote
  --token TOKEN           bearer token (default: $MCP_TOKEN)
  --login USER:PASS       call the service's login tool first and use its token
  --allow-remote          allow --url to name another machine

What and how long:
  --tool NAME             default: the app's mcpFleet.loadCall in its package.json, else echo
  --args JSON             default: the loadCall's arguments, else {"message":"load test"}
  --rate N                calls started per second (default 20)
  --duration TIME         how long (default 60s)
  --sample-every TIME     time between samples (default 1s)
  --max-rss-growth MB     MB per minute of RSS growth judged a leak (default 10)

Results:
  --json                  print samples, call figures and the verdict as JSON
  --out FILE.json         also write the JSON to FILE.json, and beside it FILE.md: RSS over time with the slope
                          the verdict used, and CPU over time, as Mermaid charts
  --fail-on LIST          exit 1 when any condition holds (default: growing verdict or errors);
                          metrics: rss_slope (MB/min), errors, skipped, p95, p99, max_rss (MB), max_cpu (%)

Example:
  npm run soak -- --app documents --duration 60s
`;

const METRICS = ['rss_slope', 'errors', 'skipped', 'p95', 'p99', 'max_rss', 'max_cpu'] as const;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  ...TARGET_FLAGS,
  rate: { type: 'string' },
  duration: { type: 'string' },
  'sample-every': { type: 'string' },
  'max-rss-growth': { type: 'string' },
  json: { type: 'boolean' },
  out: { type: 'string' },
  'fail-on': { type: 'string' },
});

let settings: { rate: number; duration: number; sampleEvery: number; maxGrowth: number; thresholds: ReturnType<typeof parseThresholds> };
try {
  if (values.out !== undefined) checkOutFile(values.out);
  const rate = Number(values.rate ?? 20);
  if (!(rate > 0)) throw new Error(`--rate must be a number of calls per second above 0, got "${values.rate}"`);
  const maxGrowth = Number(values['max-rss-growth'] ?? 10);
  if (!(maxGrowth >= 0)) throw new Error(`--max-rss-growth must be a number of MB per minute, got "${values['max-rss-growth']}"`);
  settings = {
    rate,
    duration: parseDuration(values.duration ?? '60s', '--duration'),
    sampleEvery: parseDuration(values['sample-every'] ?? '1s', '--sample-every'),
    maxGrowth,
    thresholds: parseThresholds(values['fail-on'] ?? '', METRICS),
  };
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  process.exit(2);
}

const say = (line: string) => process.stderr.write(`soak: ${line}\n`);
const target = await resolveTarget(targetOptions(values), say).catch((error: Error) => {
  console.error(`soak: ${error.message}`);
  process.exit(2);
});

const source: SampleSource = target.process ? { pid: target.process.pid } : { metricsUrl: target.url.replace(/\/mcp$/, '/metrics') };
const progress = progressReporter('soak');
let result: Awaited<ReturnType<typeof soakTest>>;
try {
  result = await soakTest({
    target: { url: target.url, token: target.token },
    call: target.call,
    rate: settings.rate,
    duration: settings.duration,
    sampleEvery: settings.sampleEvery,
    maxRssGrowthMbPerMin: settings.maxGrowth,
    source,
    onSample: (sample, { calls, errors }) =>
      progress.update(
        sample.atMs / settings.duration,
        `rss ${sample.rssMb.toFixed(1)} MB, cpu ${sample.cpuPercent.toFixed(0)}%, ${calls} calls, ${errors} errors`,
      ),
  });
} finally {
  progress.done();
  await target.stop();
}

const figures: Figures = {
  rss_slope: result.rssSlopeMbPerMin,
  errors: result.errorCount,
  skipped: result.skipped,
  p95: result.latency.p95,
  p99: result.latency.p99,
  max_rss: Math.max(...result.samples.map((s) => s.rssMb)),
  max_cpu: Math.max(...result.samples.map((s) => s.cpuPercent)),
};
const report = { target: target.url, tool: target.call.tool, rate: settings.rate, durationMs: settings.duration, ...result };
if (values.out) {
  writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(chartsFileFor(values.out), chartsMarkdown(`npm run soak: ${report.tool} on ${report.target}`, soakCharts(result)));
  say(`wrote ${values.out} and ${chartsFileFor(values.out)}`);
}
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(
    table(
      ['t s', 'rss MB', 'cpu %'],
      result.samples.map((s) => [s.atMs / 1000, s.rssMb, s.cpuPercent]),
    ),
  );
  console.log('');
  console.log(
    `${result.calls} calls at ${settings.rate}/s, ${result.errorCount} errors, ${result.skipped} skipped; ` +
      `latency p50 ${result.latency.median.toFixed(1)} ms, p95 ${result.latency.p95.toFixed(1)} ms, p99 ${result.latency.p99.toFixed(1)} ms`,
  );
  console.log(`verdict: ${result.verdict} (RSS slope ${result.rssSlopeMbPerMin.toFixed(2)} MB/min, threshold ${result.threshold} MB/min)`);
}

const failures =
  settings.thresholds.length > 0
    ? breached(settings.thresholds, figures).map((t) => t.text)
    : [
        ...(result.verdict === 'growing' ? [`memory growing at ${result.rssSlopeMbPerMin.toFixed(2)} MB/min`] : []),
        ...(result.errorCount > 0 ? [`${result.errorCount} errors`] : []),
      ];
for (const failure of failures) console.error(`soak: failed: ${failure}`);
process.exit(failures.length > 0 ? 1 : 0);
