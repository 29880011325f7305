/**
 * Latencies in log-spaced buckets (HDR-style): every value lands in a bucket whose width is 1% of its value, so
 * percentiles are within 1% whatever the range, in constant memory — a million samples cost the same as ten.
 * Min, max, count and mean are exact.
 */
export class LatencyHistogram {
  private static readonly GROWTH = Math.log(1.01);
  private readonly buckets = new Map<number, number>();
  count = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;
  private sum = 0;

  /** Records one latency in milliseconds (anything under a microsecond counts as one). */
  record(ms: number): void {
    const micros = Math.max(1, ms * 1000);
    const index = Math.floor(Math.log(micros) / LatencyHistogram.GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** The latency (ms) that q of the samples are at or below, q in [0, 1]; never beyond the exact min and max. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Math.exp((index + 1) * LatencyHistogram.GROWTH) / 1000));
    }
    return this.max;
  }

  merge(other: LatencyHistogram): void {
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  summary(): LatencySummary {
    return {
      min: this.count === 0 ? 0 : this.min,
      max: this.max,
      mean: this.mean,
      median: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
    };
  }
}

export interface LatencySummary {
  min: number;
  max: number;
  mean: number;
  median: number;
  p95: number;
  p99: number;
}
