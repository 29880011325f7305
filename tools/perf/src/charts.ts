import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { LoadTestResult, ProcessSample, SoakTestResult } from '@mcp-fleet/testing';
import type { BenchRow } from './bench-summary';
import { rssTrend } from '@mcp-fleet/testing';
import { xychart, type Chart } from '@mcp-fleet/cli-kit';

/** The charts of a load run: latency percentiles and throughput per step (each run of the profile is a step). */
export function loadCharts(runs: (LoadTestResult & { name: string })[]): Chart[] {
  const x = { label: 'step', values: runs.map((run) => `${run.name} (${run.concurrency} at once)`) };
  return [
    {
      title: 'Latency per step (ms)',
      x,
      y: { label: 'ms' },
      series: (['median', 'p95', 'p99'] as const).map((key) => ({
        name: key === 'median' ? 'p50' : key,
        kind: 'line' as const,
        values: runs.map((run) => run.latency[key]),
      })),
    },
    {
      title: 'Throughput per step (calls/s)',
      x,
      y: { label: 'calls/s' },
      series: [{ name: 'calls/s', kind: 'bar', values: runs.map((run) => run.throughput) }],
    },
  ];
}

/**
 * The charts of a soak run: RSS over time with the least-squares line its verdict used (fitted after the first
 * fifth of the run, drawn over all of it), and CPU over time.
 */
export function soakCharts(result: Pick<SoakTestResult, 'samples' | 'rssSlopeMbPerMin' | 'verdict'>): Chart[] {
  const { samples } = result;
  const x = { label: 't (s)', values: samples.map((sample: ProcessSample) => sample.atMs / 1000) };
  const trend = rssTrend(samples);
  return [
    {
      title: `RSS (MB): ${result.verdict}, ${result.rssSlopeMbPerMin.toFixed(2)} MB/min from t = ${(trend.fromMs / 1000).toFixed(1)} s`,
      x,
      y: { label: 'MB' },
      series: [
        { name: 'RSS', kind: 'line', values: samples.map((sample) => sample.rssMb) },
        {
          name: 'slope the verdict used',
          kind: 'line',
          values: samples.map((sample) => trend.interceptMb + trend.slopeMbPerMin * (sample.atMs / 60_000)),
        },
      ],
    },
    {
      title: 'CPU (% of one core)',
      x,
      y: { label: '%' },
      series: [{ name: 'CPU', kind: 'line', values: samples.map((sample) => sample.cpuPercent) }],
    },
  ];
}

/** The charts of a bench: each variant's server CPU per request and its requests per second (medians of the rounds). */
export function benchCharts(rows: Pick<BenchRow, 'id' | 'name' | 'rps' | 'cpuUsPerRequest'>[]): Chart[] {
  const x = { label: 'variant', values: rows.map((row) => `(${row.id}) ${row.name}`) };
  return [
    {
      title: 'Server CPU per request (µs)',
      x,
      y: { label: 'µs' },
      series: [{ name: 'CPU µs/req', kind: 'bar', values: rows.map((row) => row.cpuUsPerRequest) }],
    },
    {
      title: 'Requests per second',
      x,
      y: { label: 'req/s' },
      series: [{ name: 'req/s', kind: 'bar', values: rows.map((row) => row.rps) }],
    },
  ];
}

/** The Markdown written beside a run's JSON: a heading, then each chart. */
export function chartsMarkdown(heading: string, charts: Chart[]): string {
  return `# ${heading}\n\n${charts.map(xychart).join('\n\n')}\n`;
}

/** Where the charts of `--out FILE.json` go: FILE.md beside it. */
export const chartsFileFor = (jsonFile: string) => `${jsonFile.replace(/\.json$/i, '')}.md`;

/** Refuses an --out that is no .json file in a folder that exists, before any work is done. */
export function checkOutFile(file: string): void {
  if (!/\.json$/i.test(file)) throw new Error(`--out must name a .json file (the charts go beside it, as .md), got "${file}"`);
  if (!existsSync(dirname(resolve(file)))) throw new Error(`--out ${file}: the folder ${dirname(resolve(file))} does not exist`);
}
