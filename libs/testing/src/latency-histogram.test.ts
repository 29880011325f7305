import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('gives percentiles within 1% and exact min, max and mean', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms);
    const summary = histogram.summary();
    expect(summary.min).toBe(1);
    expect(summary.max).toBe(1000);
    expect(summary.mean).toBeCloseTo(500.5, 10);
    expect(summary.median).toBeGreaterThanOrEqual(500 * 0.99);
    expect(summary.median).toBeLessThanOrEqual(500 * 1.01);
    expect(summary.p95 / 950).toBeCloseTo(1, 1);
    expect(summary.p99 / 990).toBeCloseTo(1, 1);
  });

  it('keeps constant memory for many samples', () => {
    const histogram = new LatencyHistogram();
    for (let i = 0; i < 200_000; i++) histogram.record(5 + (i % 100) / 10);
    expect(histogram.count).toBe(200_000);
    expect((histogram as unknown as { buckets: Map<number, number> }).buckets.size).toBeLessThan(100);
  });

  it('merges, and says 0 when empty', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    expect(a.summary()).toEqual({ min: 0, max: 0, mean: 0, median: 0, p95: 0, p99: 0 });
    a.record(1);
    b.record(100);
    a.merge(b);
    expect(a.summary()).toMatchObject({ min: 1, max: 100, mean: 50.5 });
    expect(a.quantile(1)).toBe(100);
  });
});
