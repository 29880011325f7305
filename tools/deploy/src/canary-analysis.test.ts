import { describe, expect, it } from 'vitest';
import { analysisTable, decide, judge, quantile, type CanaryLimits, type IntervalResult, type TrackSample } from './canary-analysis';

const RULES = { minRequests: 50, errorMargin: 0.01, maxErrorRatio: 0.05, maxLatencyRatio: 1.5 };
const LIMITS: CanaryLimits = { passes: 3, maxIntervals: 6, maxFailures: 1, maxInconclusive: 6, maxErrors: 3 };

/** `requests` calls, `errors` of them server errors, every one taking `seconds`. */
const track = (requests: number, errors: number, seconds = 0.004): TrackSample => ({
  requests,
  serverErrors: errors,
  buckets: [0.001, 0.005, 0.01, 0.5, Infinity].map((le) => [le, le >= seconds ? requests : 0] as [number, number]),
});
const verdicts = (...list: IntervalResult['verdict'][]): IntervalResult[] => list.map((verdict) => ({ verdict, reasons: [] }));

describe('quantile', () => {
  it('interpolates inside the bucket as histogram_quantile does, and has no answer without samples', () => {
    expect(
      quantile(0.95, [
        [0.1, 0],
        [0.5, 100],
        [Infinity, 100],
      ]),
    ).toBeCloseTo(0.48);
    expect(
      quantile(0.5, [
        [0.1, 50],
        [Infinity, 100],
      ]),
    ).toBeCloseTo(0.1);
    expect(
      quantile(0.99, [
        [0.1, 10],
        [Infinity, 100],
      ]),
    ).toBe(0.1);
    expect(quantile(0.95, [])).toBeUndefined();
    expect(
      quantile(0.95, [
        [0.1, 0],
        [Infinity, 0],
      ]),
    ).toBeUndefined();
  });
});

describe('judge', () => {
  it('passes a canary like the stable pods, within the margin', () => {
    expect(judge({ canary: track(100, 1), stable: track(200, 1) }, RULES)).toMatchObject({ verdict: 'pass', reasons: [] });
  });
  it('fails on the margin over the stable pods, and on the ceiling even when the stable pods are as bad', () => {
    expect(judge({ canary: track(100, 3), stable: track(200, 2) }, RULES).reasons).toEqual(['server errors 3.0% > stable 1.0% + 1.0%']);
    expect(judge({ canary: track(100, 8), stable: track(100, 8) }, RULES).reasons).toEqual(['server errors 8.0% > the ceiling 5.0%']);
  });
  it('fails on the latency ratio, but not on a few milliseconds at the bottom of the histogram', () => {
    expect(judge({ canary: track(100, 0, 0.3), stable: track(100, 0) }, RULES).reasons).toEqual(['p95 475.5 ms > 1.5x stable 4.8 ms']);
    expect(judge({ canary: track(100, 0, 0.004), stable: track(100, 0, 0.001) }, RULES).verdict).toBe('pass');
  });
  it.each([
    ['a NaN error count', { ...track(100, 0), serverErrors: Number.NaN }, "the canary pods' server error count is NaN"],
    ['an infinite request count', { ...track(100, 0), requests: Infinity }, "the canary pods' request count is Infinity"],
    ['a negative window (a restart counted as growth)', track(-40, 0), "the canary pods' request count is -40"],
    ['more errors than requests', track(100, 101), 'the canary pods have more server errors (101) than requests (100)'],
    [
      'a NaN latency',
      {
        ...track(100, 0),
        buckets: [
          [0.005, Number.NaN],
          [Infinity, 100],
        ] as [number, number][],
      },
      "the canary pods' latency histogram is not cumulative (NaN at le=0.005, 0 below it)",
    ],
    [
      'a histogram that falls',
      {
        ...track(100, 0),
        buckets: [
          [0.005, 100],
          [Infinity, 60],
        ] as [number, number][],
      },
      "the canary pods' latency histogram is not cumulative (60 at le=Infinity, 100 below it)",
    ],
  ])('calls %s a measurement error, never a pass', (_what, canary, reason) => {
    const result = judge({ canary, stable: track(100, 0) }, RULES);
    expect(result.verdict).toBe('error');
    expect(result.reasons).toContain(reason);
  });
  it('is inconclusive, never a pass, with too few requests on either track', () => {
    const result = judge({ canary: track(10, 0), stable: track(0, 0) }, RULES);
    expect(result.verdict).toBe('inconclusive');
    expect(result.reasons).toEqual([
      'canary served 10 requests, fewer than the 50 a verdict needs',
      'stable served 0 requests, fewer than the 50 a verdict needs',
    ]);
  });
});

describe('decide', () => {
  it('promotes at the passes needed, aborts at the first failure, continues otherwise', () => {
    expect(decide(verdicts('pass', 'inconclusive', 'pass', 'pass'), LIMITS)).toEqual({
      decision: 'promote',
      why: '3 of 3 intervals passed (3 passed, 0 failed, 1 inconclusive, 0 measurement errors)',
    });
    expect(decide(verdicts('pass', 'fail'), LIMITS)).toMatchObject({
      decision: 'abort',
      why: expect.stringMatching(/^1 failing interval\(s\), the limit is 1/),
    });
    expect(decide(verdicts('pass', 'error', 'inconclusive'), LIMITS)).toEqual({ decision: 'continue' });
  });
  it('counts measurement errors in a row, not in all', () => {
    expect(decide(verdicts('error', 'error', 'pass', 'error', 'error'), { ...LIMITS, maxIntervals: 10 })).toEqual({ decision: 'continue' });
    expect(decide(verdicts('pass', 'error', 'error', 'error'), LIMITS)).toMatchObject({
      decision: 'abort',
      why: expect.stringMatching(/^3 measurement errors in a row, the limit is 3/),
    });
  });
  it('fails closed: aborts as soon as the passes cannot be had within the maximum bake, and at the inconclusive limit', () => {
    expect(decide(verdicts('inconclusive', 'inconclusive', 'inconclusive'), LIMITS)).toEqual({ decision: 'continue' });
    expect(decide(verdicts('inconclusive', 'inconclusive', 'inconclusive', 'inconclusive'), LIMITS)).toMatchObject({
      decision: 'abort',
      why: '3 passing intervals cannot be reached within the maximum bake of 6 intervals (0 passed, 0 failed, 4 inconclusive, 0 measurement errors)',
    });
    expect(decide(verdicts('inconclusive', 'inconclusive'), { ...LIMITS, maxInconclusive: 2 })).toMatchObject({
      decision: 'abort',
      why: expect.stringMatching(/^2 inconclusive intervals, the limit is 2/),
    });
  });
});

describe('analysisTable', () => {
  it('is a row per interval with both tracks and the reasons', () => {
    const { header, rows } = analysisTable([
      judge({ canary: track(100, 30), stable: track(300, 0) }, RULES),
      { verdict: 'error', reasons: ['Prometheus at http://p: HTTP 502'] },
    ]);
    expect(header).toEqual(['#', 'verdict', 'canary requests', 'errors', 'p95', 'stable requests', 'errors', 'p95', 'why']);
    expect(rows).toEqual([
      [
        '1',
        'fail',
        '100',
        '30.0%',
        '4.8 ms',
        '300',
        '0.0%',
        '4.8 ms',
        'server errors 30.0% > stable 0.0% + 1.0%; server errors 30.0% > the ceiling 5.0%',
      ],
      ['2', 'error', '-', '-', '-', '-', '-', '-', 'Prometheus at http://p: HTTP 502'],
    ]);
  });
});
