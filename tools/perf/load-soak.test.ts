import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let server: ServerProcess;
const scratch = mkdtempSync(join(tmpdir(), 'load-soak-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The Mermaid xycharts of a Markdown file: each chart's title, x values and series, as numbers. */
function chartsIn(markdown: string) {
  return [...markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)].map(([, block]) => {
    const numbers = (list: string) => list.split(',').map((value) => Number(value.trim().replace(/^"|"$/g, '')));
    return {
      title: /title "(.*)"/.exec(block!)![1]!,
      x: /x-axis "[^"]*" \[(.*)\]/.exec(block!)![1]!,
      series: [...block!.matchAll(/^ {2}(line|bar) \[(.*)\]$/gm)].map(([, kind, list]) => ({ kind, values: numbers(list!) })),
    };
  });
}
const rounded = (value: number) => Math.round(value * 100) / 100;

beforeAll(async () => {
  server = await startServerProcess({ app: join(import.meta.dirname, 'test', 'fixtures', 'echo-server.mjs') });
});
afterAll(async () => {
  await server.stop();
});

describe('npm run load', () => {
  it('prints JSON that parses, with every call measured, and writes it with charts beside it that match it', async () => {
    const out = join(scratch, 'load.json');
    const result = await runScript(import.meta.dirname, 'load.ts', [
      '--url',
      server.url,
      '--total',
      '40',
      '--concurrency',
      '4',
      '--warmup',
      '5',
      '--json',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      tool: string;
      runs: { count: number; errorCount: number; latency: { median: number; p95: number; p99: number }; throughput: number }[];
    };
    expect(report.tool).toBe('echo');
    expect(report.runs[0]).toMatchObject({ count: 40, errorCount: 0 });
    expect(report.runs[0]!.latency.p95).toBeGreaterThan(0);
    expect(result.stderr).toContain('load run: 100% 40 calls, 0 errors');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    const [latency, throughput] = chartsIn(readFileSync(join(scratch, 'load.md'), 'utf8'));
    expect(latency!.title).toBe('Latency per step (ms)');
    expect(latency!.series).toEqual(
      (['median', 'p95', 'p99'] as const).map((key) => ({ kind: 'line', values: report.runs.map((run) => rounded(run.latency[key])) })),
    );
    expect(throughput!.series).toEqual([{ kind: 'bar', values: report.runs.map((run) => rounded(run.throughput)) }]);
    expect(await runScript(import.meta.dirname, 'load.ts', ['--url', server.url, '--out', join(scratch, 'load.txt')])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--out must name a .json file'),
    });
  });

  it('prints the table and exits 1 when a threshold is not met', async () => {
    const result = await runScript(import.meta.dirname, 'load.ts', [
      '--url',
      server.url,
      '--total',
      '20',
      '--concurrency',
      '2',
      '--fail-on',
      'p95>0ms,errors>0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^run\s+calls\s+conc\s+errors\s+rps\s+min ms/m);
    expect(result.stderr).toMatch(/load: threshold not met: run: p95>0ms \(was [\d.]+\)/);
    expect(result.stderr).not.toContain('errors>0');
  });

  it('exits 2 on bad input, saying what is wrong', async () => {
    const [failOn, remote, tool, args, help] = await Promise.all([
      runScript(import.meta.dirname, 'load.ts', ['--url', server.url, '--fail-on', 'p95>']),
      runScript(import.meta.dirname, 'load.ts', ['--url', 'https://mcp.example.com/mcp']),
      runScript(import.meta.dirname, 'load.ts', ['--url', server.url, '--tool', 'nope']),
      runScript(import.meta.dirname, 'load.ts', ['--url', server.url, '--args', '{oops']),
      runScript(import.meta.dirname, 'load.ts', ['--help']),
    ]);
    expect(failOn).toMatchObject({ code: 2, stderr: expect.stringContaining('--fail-on: cannot read "p95>"') });
    expect(remote).toMatchObject({ code: 2, stderr: expect.stringContaining('pass --allow-remote') });
    expect(tool).toMatchObject({ code: 2, stderr: expect.stringContaining('the service has no tool "nope"; its tools: echo') });
    expect(args).toMatchObject({ code: 2, stderr: expect.stringContaining('--args must be a JSON object') });
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: npm run load') });
  });
});

describe('npm run soak', () => {
  it('samples the process through /metrics, gives a verdict as JSON, and writes beside it charts of RSS (with the slope its verdict used) and CPU that match it', async () => {
    const out = join(scratch, 'soak.json');
    const result = await runScript(import.meta.dirname, 'soak.ts', [
      '--url',
      server.url,
      '--rate',
      '20',
      '--duration',
      '1500ms',
      '--sample-every',
      '250ms',
      '--max-rss-growth',
      '100000',
      '--json',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      verdict: string;
      calls: number;
      errorCount: number;
      samples: { atMs: number; rssMb: number; cpuPercent: number }[];
      rssSlopeMbPerMin: number;
    };
    expect(report).toMatchObject({ verdict: 'stable', errorCount: 0 });
    expect(report.calls).toBeGreaterThanOrEqual(25);
    // One sample before the calls and at least one during them; how many more depends on the machine's speed
    // (a sample is a /metrics request to the loaded process).
    expect(report.samples.length).toBeGreaterThanOrEqual(2);
    expect(report.samples.every((sample) => sample.rssMb > 10)).toBe(true);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(report);
    const [rss, cpu] = chartsIn(readFileSync(join(scratch, 'soak.md'), 'utf8'));
    expect(rss!.x.split(',').map(Number)).toEqual(report.samples.map((sample) => rounded(sample.atMs / 1000)));
    expect(rss!.series[0]!.values).toEqual(report.samples.map((sample) => rounded(sample.rssMb)));
    // The verdict's line: its rise between the first and last sample is the slope over that time.
    const fit = rss!.series[1]!.values;
    const minutes = (report.samples.at(-1)!.atMs - report.samples[0]!.atMs) / 60_000;
    // (Each value is rounded to 0.01 MB in the chart.)
    expect(Math.abs((fit.at(-1)! - fit[0]!) / minutes - report.rssSlopeMbPerMin)).toBeLessThanOrEqual(0.011 / minutes);
    expect(rss!.title).toContain(`${report.rssSlopeMbPerMin.toFixed(2)} MB/min`);
    expect(cpu!.series).toEqual([{ kind: 'line', values: report.samples.map((sample) => rounded(sample.cpuPercent)) }]);
  });

  it('exits 1 when a threshold holds, and prints the samples table', async () => {
    const result = await runScript(import.meta.dirname, 'soak.ts', [
      '--url',
      server.url,
      '--rate',
      '10',
      '--duration',
      '600ms',
      '--sample-every',
      '200ms',
      '--fail-on',
      'max_rss>1',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^t s\s+rss MB\s+cpu %/m);
    expect(result.stdout).toMatch(/^verdict: (stable|growing) \(RSS slope/m);
    expect(result.stderr).toContain('soak: failed: max_rss>1');
  });

  it('exits 2 on a bad rate', async () => {
    expect(await runScript(import.meta.dirname, 'soak.ts', ['--url', server.url, '--rate', 'fast'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--rate must be a number'),
    });
  });
});
