import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProcessSampler, readProcessUsage, rssSlopeMbPerMinute, type ProcessSample } from './process-sampler';
import { startServerProcess } from './server-process';
import { soakTest } from './soak-test';

const leaky = join(import.meta.dirname, '..', 'test', 'fixtures', 'leaky-server.mjs');

describe('soakTest', () => {
  it('judges a server that keeps 1 MiB per call as growing', async () => {
    const server = await startServerProcess({ app: leaky });
    try {
      const seen: ProcessSample[] = [];
      const result = await soakTest({
        target: { url: server.url },
        call: { tool: 'leak' },
        rate: 25,
        duration: 3000,
        sampleEvery: 200,
        source: { pid: server.pid },
        maxRssGrowthMbPerMin: 50,
        onSample: (sample) => seen.push(sample),
      });
      expect(result.calls).toBeGreaterThanOrEqual(30);
      expect(result.errorCount).toBe(0);
      expect(result.samples.length).toBeGreaterThanOrEqual(5);
      expect(seen.length).toBe(result.samples.length - 1);
      expect(result.rssSlopeMbPerMin).toBeGreaterThan(300);
      expect(result.verdict).toBe('growing');
    } finally {
      await server.stop();
    }
  });

  it('counts failing calls by kind and reads a remote process from its /metrics', async () => {
    const server = await startServerProcess({ app: leaky });
    try {
      await expect(
        soakTest({
          target: { url: server.url },
          call: { tool: 'echo' },
          rate: 20,
          duration: 500,
          sampleEvery: 200,
          source: { metricsUrl: `${server.baseUrl}/metrics` },
        }),
      ).rejects.toThrow('has no process_resident_memory_bytes');
      const result = await soakTest({
        target: { url: server.url },
        call: { tool: 'echo' },
        rate: 20,
        duration: 600,
        sampleEvery: 200,
        source: { pid: server.pid },
      });
      expect(result.errors).toEqual({ tool_error: expect.any(Number) });
      expect(result.errorCount).toBe(result.calls);
    } finally {
      await server.stop();
    }
  });

  it('refuses a run with no rate or no duration', async () => {
    const base = { target: { url: 'http://127.0.0.1:1/mcp' }, call: { tool: 'echo' }, sampleEvery: 100 };
    await expect(soakTest({ ...base, rate: 0, duration: 100 })).rejects.toThrow('rate must be above 0');
    await expect(soakTest({ ...base, rate: 1, duration: 0 })).rejects.toThrow('duration must be above 0');
  });
});

describe('rssSlopeMbPerMinute', () => {
  const series = (mb: (i: number) => number) => Array.from({ length: 20 }, (_, i) => ({ atMs: i * 3000, rssMb: mb(i), cpuPercent: 0 }));

  it('is flat for steady memory, even after start-up growth', () => {
    expect(rssSlopeMbPerMinute(series((i) => (i < 3 ? 50 + i * 20 : 110)))).toBeCloseTo(0, 5);
  });

  it('measures steady growth in MB per minute', () => {
    expect(rssSlopeMbPerMinute(series((i) => 100 + i))).toBeCloseTo(20, 5);
    expect(rssSlopeMbPerMinute([])).toBe(0);
  });
});

describe('createProcessSampler', () => {
  it('reads this process from /proc', async () => {
    const sampler = createProcessSampler({ pid: process.pid });
    await sampler.sample();
    let spin = 0;
    for (const end = Date.now() + 50; Date.now() < end;) spin++;
    const sample = await sampler.sample();
    expect(spin).toBeGreaterThan(0);
    expect(sample.rssMb).toBeGreaterThan(10);
    expect(sample.cpuPercent).toBeGreaterThan(0);
  });
});

describe('readProcessUsage', () => {
  it('reads the memory and CPU that Node itself reports for this process', async () => {
    const usage = await readProcessUsage(process.pid);
    const cpu = process.cpuUsage();
    // /proc counts in 1/100 s ticks: within a few ticks of Node's microsecond count.
    expect(Math.abs(usage.cpuSeconds - (cpu.user + cpu.system) / 1e6)).toBeLessThan(0.1);
    expect(usage.rssBytes / process.memoryUsage().rss).toBeGreaterThan(0.8);
    expect(usage.rssBytes / process.memoryUsage().rss).toBeLessThan(1.25);
  });
});
