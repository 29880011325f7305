import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchCharts, chartsFileFor, chartsMarkdown, checkOutFile, loadCharts, soakCharts } from './charts';

// What the charts are made of (the scripts' own tests parse what load and soak write against their JSON).
const scratch = mkdtempSync(join(tmpdir(), 'charts-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const latency = (median: number) => ({ min: 1, max: 90, mean: median, median, p95: median * 2, p99: median * 3 });

describe('the charts of a run', () => {
  it('load: p50, p95 and p99 lines and a throughput bar per step', () => {
    const runs = [
      { name: 'seed 1', concurrency: 5, latency: latency(2), throughput: 100 },
      { name: 'seed 2', concurrency: 20, latency: latency(4), throughput: 300 },
    ];
    const [percentiles, throughput] = loadCharts(runs as never);
    expect(percentiles!.x.values).toEqual(['seed 1 (5 at once)', 'seed 2 (20 at once)']);
    expect(percentiles!.series.map((series) => [series.name, series.values])).toEqual([
      ['p50', [2, 4]],
      ['p95', [4, 8]],
      ['p99', [6, 12]],
    ]);
    expect(throughput!.series).toEqual([{ name: 'calls/s', kind: 'bar', values: [100, 300] }]);
  });

  it('soak: RSS with the line its verdict fitted after the first fifth, and CPU', () => {
    // RSS rises 1 MB a minute after a start-up jump that the fit leaves out.
    const samples = Array.from({ length: 10 }, (_, i) => ({ atMs: i * 60_000, rssMb: i === 0 ? 50 : 100 + i, cpuPercent: 10 * i }));
    const [rss, cpu] = soakCharts({ samples, rssSlopeMbPerMin: 1, verdict: 'stable' });
    expect(rss!.title).toBe('RSS (MB): stable, 1.00 MB/min from t = 120.0 s');
    expect(rss!.series[1]!.values.map((value) => Math.round(value * 1000) / 1000)).toEqual(samples.map((_, i) => 100 + i));
    expect(cpu!.series[0]!.values).toEqual(samples.map((sample) => sample.cpuPercent));
  });

  it('bench: CPU per request and requests per second per variant, in a Markdown file beside the JSON', () => {
    const charts = benchCharts([
      { id: 'a', name: 'bare SDK', rps: 1500, cpuUsPerRequest: 700 },
      { id: 'b', name: 'runtime', rps: 12000, cpuUsPerRequest: 80 },
    ]);
    const markdown = chartsMarkdown('npm run bench', charts);
    expect(markdown).toMatch(/^# npm run bench\n\n```mermaid\nxychart-beta\n {2}title "Server CPU per request \(µs\)"/);
    expect(markdown).toContain('x-axis "variant" ["(a) bare SDK", "(b) runtime"]');
    expect(markdown).toContain('  bar [1500, 12000]');
    expect(chartsFileFor('out/bench.json')).toBe('out/bench.md');
  });

  it('refuses an --out that is no .json file, or in a folder that does not exist', () => {
    expect(() => checkOutFile(join(scratch, 'run.json'))).not.toThrow();
    expect(() => checkOutFile(join(scratch, 'run.md'))).toThrow('--out must name a .json file (the charts go beside it, as .md)');
    expect(() => checkOutFile(join(scratch, 'missing', 'run.json'))).toThrow(/the folder .*missing does not exist/);
  });
});
