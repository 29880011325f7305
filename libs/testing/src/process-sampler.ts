import { readFile } from 'node:fs/promises';

export interface ProcessSample {
  /** Milliseconds since sampling began. */
  atMs: number;
  rssMb: number;
  /** CPU used since the previous sample, as a percentage of one core. */
  cpuPercent: number;
}

/** Where the samples come from: a local process by pid (Linux /proc), or a service's Prometheus /metrics. */
export type SampleSource = { pid: number } | { metricsUrl: string };

/** A process's resident memory and the CPU (user + system) it has used since it started. */
export interface ProcessUsage {
  rssBytes: number;
  cpuSeconds: number;
}

// Linux reports CPU time in clock ticks of 1/100 s on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** Reads a local process's usage from Linux /proc. */
export async function readProcessUsage(pid: number): Promise<ProcessUsage> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  // The command name (field 2) may hold spaces and parentheses; the fields after it start at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  return { rssBytes: rssKb * 1024, cpuSeconds: cpuTicks / TICKS_PER_SECOND };
}

async function readMetrics(url: string): Promise<ProcessUsage> {
  const text = await (await fetch(url)).text();
  const value = (name: string) => {
    const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, 'm').exec(text);
    if (!match) throw new Error(`${url} has no ${name}; is it a service of this runtime (prom-client default metrics)?`);
    return Number(match[1]);
  };
  return { rssBytes: value('process_resident_memory_bytes'), cpuSeconds: value('process_cpu_seconds_total') };
}

/** Samples a process's memory and CPU; each call to sample() returns one point. */
export function createProcessSampler(source: SampleSource): { sample(): Promise<ProcessSample> } {
  const read = 'pid' in source ? () => readProcessUsage(source.pid) : () => readMetrics(source.metricsUrl);
  const start = performance.now();
  let previous: { at: number; cpuSeconds: number } | undefined;
  return {
    async sample() {
      const reading = await read();
      const at = performance.now();
      const cpuPercent = previous ? (100 * (reading.cpuSeconds - previous.cpuSeconds)) / ((at - previous.at) / 1000) : 0;
      previous = { at, cpuSeconds: reading.cpuSeconds };
      return { atMs: at - start, rssMb: reading.rssBytes / (1024 * 1024), cpuPercent: Math.max(0, cpuPercent) };
    },
  };
}

/**
 * The least-squares line through the RSS samples after the first `skipFraction` of them (start-up and warm-up
 * growth left out): its slope in MB per minute, its value at t = 0, and the time of the first sample it fits.
 */
export function rssTrend(samples: ProcessSample[], skipFraction = 0.2): { slopeMbPerMin: number; interceptMb: number; fromMs: number } {
  const points = samples.slice(Math.floor(samples.length * skipFraction));
  const fromMs = points[0]?.atMs ?? 0;
  if (points.length < 2) return { slopeMbPerMin: 0, interceptMb: points[0]?.rssMb ?? 0, fromMs };
  const xs = points.map((p) => p.atMs / 60_000);
  const ys = points.map((p) => p.rssMb);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < xs.length; i++) {
    numerator += (xs[i]! - meanX) * (ys[i]! - meanY);
    denominator += (xs[i]! - meanX) ** 2;
  }
  const slopeMbPerMin = denominator === 0 ? 0 : numerator / denominator;
  return { slopeMbPerMin, interceptMb: meanY - slopeMbPerMin * meanX, fromMs };
}

/** rssTrend's slope: MB per minute of RSS growth. */
export const rssSlopeMbPerMinute = (samples: ProcessSample[], skipFraction = 0.2): number => rssTrend(samples, skipFraction).slopeMbPerMin;
