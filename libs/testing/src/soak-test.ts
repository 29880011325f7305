import { LatencyHistogram, type LatencySummary } from './latency-histogram';
import { errorKind } from './load-test';
import { createProcessSampler, rssSlopeMbPerMinute, type ProcessSample, type SampleSource } from './process-sampler';
import { connectHttpClient } from './test-client';

export interface SoakTestOptions {
  /** A running service's MCP endpoint, and an optional bearer token. */
  target: { url: string; token?: string };
  call: { tool: string; arguments?: Record<string, unknown> };
  /** Calls started per second, whether or not earlier ones have finished (an open loop, like real traffic). */
  rate: number;
  /** Milliseconds to run for. */
  duration: number;
  /** Milliseconds between process samples. */
  sampleEvery: number;
  /** The process to watch; by default the target's /metrics. */
  source?: SampleSource;
  /** Growth above this many MB of RSS per minute is judged a leak. */
  maxRssGrowthMbPerMin?: number;
  /** Calls allowed in flight; a call due while this many are pending is counted as skipped, not queued. */
  maxInFlight?: number;
  onSample?: (sample: ProcessSample, progress: { calls: number; errors: number }) => void;
}

export interface SoakTestResult {
  samples: ProcessSample[];
  calls: number;
  errors: Record<string, number>;
  errorCount: number;
  skipped: number;
  latency: LatencySummary;
  rssSlopeMbPerMin: number;
  threshold: number;
  verdict: 'stable' | 'growing';
}

/** A steady call rate for a while, sampling the server's memory and CPU, with a verdict on memory growth. */
export async function soakTest(options: SoakTestOptions): Promise<SoakTestResult> {
  if (!(options.rate > 0)) throw new Error(`soakTest: rate must be above 0 calls per second, got ${options.rate}`);
  if (!(options.duration > 0)) throw new Error(`soakTest: duration must be above 0 ms, got ${options.duration}`);
  const threshold = options.maxRssGrowthMbPerMin ?? 10;
  const maxInFlight = options.maxInFlight ?? 100;
  const sampler = createProcessSampler(options.source ?? { metricsUrl: options.target.url.replace(/\/mcp$/, '/metrics') });
  const client = await connectHttpClient(options.target.url, { token: options.target.token, name: 'mcp-fleet-soak' });

  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  const samples: ProcessSample[] = [await sampler.sample()];
  const pending = new Set<Promise<void>>();
  let calls = 0;
  let errorCount = 0;
  let skipped = 0;

  const fire = () => {
    if (pending.size >= maxInFlight) {
      skipped++;
      return;
    }
    const started = performance.now();
    const call = client
      .callTool({ name: options.call.tool, arguments: options.call.arguments ?? {} })
      .then((result) => {
        if (result.isError) throw Object.assign(new Error('tool error'), { kind: 'tool_error' });
      })
      .catch((error: unknown) => {
        const kind = errorKind(error);
        errors[kind] = (errors[kind] ?? 0) + 1;
        errorCount++;
      })
      .finally(() => {
        histogram.record(performance.now() - started);
        calls++;
        pending.delete(call);
      });
    pending.add(call);
  };

  const begin = performance.now();
  const interval = 1000 / options.rate;
  let due = 0;
  /** Fires every call due before `ms` into the soak. */
  const fireDueBefore = (ms: number) => {
    for (; due < ms; due += interval) fire();
  };
  let nextSample = options.sampleEvery;
  try {
    // Bounded by the duration: the loop ends by itself, whatever the service does.
    while (performance.now() - begin < options.duration) {
      const elapsed = performance.now() - begin;
      fireDueBefore(elapsed);
      if (elapsed >= nextSample) {
        const sample = await sampler.sample();
        samples.push(sample);
        options.onSample?.(sample, { calls, errors: errorCount });
        nextSample += options.sampleEvery;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(due, nextSample) - (performance.now() - begin))));
    }
    // Calls that fell due before the end but were not fired yet (a slow sample held the loop): a soak of rate × duration makes them all.
    fireDueBefore(options.duration);
    await Promise.race([Promise.all(pending), new Promise((resolve) => setTimeout(resolve, 30_000))]);
  } finally {
    await client.close();
  }
  const slope = rssSlopeMbPerMinute(samples);
  return {
    samples,
    calls,
    errors,
    errorCount,
    skipped,
    latency: histogram.summary(),
    rssSlopeMbPerMin: slope,
    threshold,
    verdict: slope > threshold ? 'growing' : 'stable',
  };
}
