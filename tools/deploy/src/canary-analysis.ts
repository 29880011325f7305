// How a canary is judged: each interval compares the canary's pods with the stable pods over the same window, and
// the run of intervals decides promote or abort. Pure functions of numbers; canary.ts measures and acts.

/** What one track's pods served in one window: requests, server errors, and the cumulative latency histogram. */
export interface TrackSample {
  requests: number;
  serverErrors: number;
  /** [upper bound in seconds (Infinity for +Inf), cumulative count], ascending, as Prometheus buckets are. */
  buckets: [number, number][];
}

export interface Measurement {
  stable: TrackSample;
  canary: TrackSample;
}

/** The comparison an interval must pass. Ratios are fractions (0.05 is 5%). */
export interface CanaryRules {
  /** Fewer requests than this on either track and the interval says nothing: inconclusive, never a pass. */
  minRequests: number;
  /** The canary's server-error ratio may exceed the stable pods' by this much … */
  errorMargin: number;
  /** … and never this, whatever the stable pods do. */
  maxErrorRatio: number;
  /** The canary's p95 latency may be at most this multiple of the stable pods'. */
  maxLatencyRatio: number;
}

export interface CanaryLimits {
  /** Passing intervals needed to promote. */
  passes: number;
  /** The maximum bake, in intervals: not promoted by then is an abort (fail closed). */
  maxIntervals: number;
  /** Abort at this many failing intervals. */
  maxFailures: number;
  /** Abort at this many inconclusive intervals. */
  maxInconclusive: number;
  /** Abort at this many measurement errors in a row (metrics unreachable or unreadable). */
  maxErrors: number;
}

export interface TrackFigures {
  requests: number;
  errorRatio: number;
  /** Seconds; undefined without requests. */
  p95?: number;
}

export interface IntervalResult {
  verdict: 'pass' | 'fail' | 'inconclusive' | 'error';
  /** Why it is not a pass, in words with the numbers. */
  reasons: string[];
  canary?: TrackFigures;
  stable?: TrackFigures;
}

export type Decision = { decision: 'continue' } | { decision: 'promote' | 'abort'; why: string };

// Below this the histogram's smallest buckets decide, not the release: a canary 2 ms slower is never a failure.
const LATENCY_SLACK_SECONDS = 0.005;

/** The q-quantile of a cumulative histogram, interpolated inside its bucket as PromQL's histogram_quantile does. */
export function quantile(q: number, buckets: [number, number][]): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [upper, count] of buckets) {
    if (count >= rank) {
      // The +Inf bucket has no upper edge: the answer is the highest finite one, as in PromQL.
      if (upper === Infinity) return lower;
      return lower + ((upper - lower) * (rank - below)) / Math.max(count - below, Number.MIN_VALUE);
    }
    lower = upper;
    below = count;
  }
  return lower;
}

function figures(sample: TrackSample): TrackFigures {
  return {
    requests: sample.requests,
    errorRatio: sample.requests > 0 ? sample.serverErrors / sample.requests : 0,
    p95: quantile(0.95, sample.buckets),
  };
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const ms = (seconds: number | undefined) => (seconds === undefined ? '-' : `${(seconds * 1000).toFixed(1)} ms`);

const isCount = (value: number) => Number.isFinite(value) && value >= 0;

/**
 * Why a measurement cannot be judged, whichever source made it: a count that is not finite and at least zero, more
 * errors than requests, a histogram that is not cumulative. Every comparison with NaN is false, so judging one
 * would pass it.
 */
export function measurementProblems(measurement: Measurement): string[] {
  const problems: string[] = [];
  for (const track of ['canary', 'stable'] as const) {
    const { requests, serverErrors, buckets } = measurement[track];
    if (!isCount(requests)) problems.push(`the ${track} pods' request count is ${requests}`);
    if (!isCount(serverErrors)) problems.push(`the ${track} pods' server error count is ${serverErrors}`);
    else if (serverErrors > requests)
      problems.push(`the ${track} pods have more server errors (${serverErrors}) than requests (${requests})`);
    let below = 0;
    for (const [le, count] of buckets) {
      // Prometheus extrapolates each bucket's increase on its own: a hair less than the bucket below is rounding.
      if (!(le > 0) || !isCount(count) || count < below * (1 - 1e-9) - 1e-9) {
        problems.push(`the ${track} pods' latency histogram is not cumulative (${count} at le=${le}, ${below} below it)`);
        break;
      }
      below = count;
    }
  }
  return problems;
}

/** One interval's verdict: the canary against the stable pods over the same window; an unreadable one is an error. */
export function judge(measurement: Measurement, rules: CanaryRules): IntervalResult {
  const problems = measurementProblems(measurement);
  if (problems.length > 0) return { verdict: 'error', reasons: problems };
  const canary = figures(measurement.canary);
  const stable = figures(measurement.stable);
  const few = (
    [
      ['canary', canary],
      ['stable', stable],
    ] as const
  ).filter(([, track]) => track.requests < rules.minRequests);
  if (few.length > 0) {
    const reasons = few.map(
      ([name, track]) => `${name} served ${Math.round(track.requests)} requests, fewer than the ${rules.minRequests} a verdict needs`,
    );
    return { verdict: 'inconclusive', reasons, canary, stable };
  }
  const reasons: string[] = [];
  if (canary.errorRatio > stable.errorRatio + rules.errorMargin) {
    reasons.push(`server errors ${percent(canary.errorRatio)} > stable ${percent(stable.errorRatio)} + ${percent(rules.errorMargin)}`);
  }
  if (canary.errorRatio > rules.maxErrorRatio)
    reasons.push(`server errors ${percent(canary.errorRatio)} > the ceiling ${percent(rules.maxErrorRatio)}`);
  if (
    canary.p95 !== undefined &&
    stable.p95 !== undefined &&
    canary.p95 > stable.p95 * rules.maxLatencyRatio &&
    canary.p95 - stable.p95 > LATENCY_SLACK_SECONDS
  ) {
    reasons.push(`p95 ${ms(canary.p95)} > ${rules.maxLatencyRatio}x stable ${ms(stable.p95)}`);
  }
  return { verdict: reasons.length > 0 ? 'fail' : 'pass', reasons, canary, stable };
}

/** After each interval: promote, abort, or measure again. Every path ends by maxIntervals. */
export function decide(results: IntervalResult[], limits: CanaryLimits): Decision {
  const count = (verdict: IntervalResult['verdict']) => results.filter((result) => result.verdict === verdict).length;
  const passes = count('pass');
  const failures = count('fail');
  const inconclusive = count('inconclusive');
  const errorsInARow = results.length - 1 - results.findLastIndex((result) => result.verdict !== 'error');
  const tally = `${passes} passed, ${failures} failed, ${inconclusive} inconclusive, ${count('error')} measurement errors`;
  if (failures >= limits.maxFailures)
    return { decision: 'abort', why: `${failures} failing interval(s), the limit is ${limits.maxFailures} (${tally})` };
  if (errorsInARow >= limits.maxErrors)
    return {
      decision: 'abort',
      why: `${errorsInARow} measurement errors in a row, the limit is ${limits.maxErrors}: the metrics cannot be read (${tally})`,
    };
  if (passes >= limits.passes) return { decision: 'promote', why: `${passes} of ${limits.passes} intervals passed (${tally})` };
  if (inconclusive >= limits.maxInconclusive)
    return { decision: 'abort', why: `${inconclusive} inconclusive intervals, the limit is ${limits.maxInconclusive} (${tally})` };
  if (passes + (limits.maxIntervals - results.length) < limits.passes) {
    return {
      decision: 'abort',
      why: `${limits.passes} passing intervals cannot be reached within the maximum bake of ${limits.maxIntervals} intervals (${tally})`,
    };
  }
  return { decision: 'continue' };
}

/** The intervals as a table: what a person reads to see why the canary was promoted or aborted. */
export function analysisTable(results: IntervalResult[]): { header: string[]; rows: string[][] } {
  const track = (figures: TrackFigures | undefined) =>
    figures ? [String(Math.round(figures.requests)), percent(figures.errorRatio), ms(figures.p95)] : ['-', '-', '-'];
  return {
    header: ['#', 'verdict', 'canary requests', 'errors', 'p95', 'stable requests', 'errors', 'p95', 'why'],
    rows: results.map((result, index) => [
      String(index + 1),
      result.verdict,
      ...track(result.canary),
      ...track(result.stable),
      result.reasons.join('; '),
    ]),
  };
}
