import { describe, expect, it } from 'vitest';
import { breached, parseCount, parseDuration, parseThresholds } from './measures';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['250', 250],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text, '--duration')).toBe(ms);
  });

  it('names the flag and the value it cannot read', () => {
    expect(() => parseDuration('ten seconds', '--duration')).toThrow(
      '--duration must be a duration such as 500ms, 30s or 2m, got "ten seconds"',
    );
  });
});

describe('parseCount', () => {
  it('reads whole numbers, falls back, and refuses the rest', () => {
    expect(parseCount('20', '--concurrency', 1)).toBe(20);
    expect(parseCount(undefined, '--concurrency', 7)).toBe(7);
    expect(() => parseCount('0', '--concurrency', 1)).toThrow('--concurrency must be a whole number of at least 1, got "0"');
    expect(() => parseCount('2.5', '--total', 1)).toThrow('got "2.5"');
  });
});

describe('thresholds', () => {
  const known = ['p95', 'p99', 'errors', 'rps'];

  it('reads conditions with units and fails only on those that hold', () => {
    const thresholds = parseThresholds('p95>200ms, errors>0,rps<100,p99>=1s', known);
    expect(thresholds.map(({ metric, op, value }) => [metric, op, value])).toEqual([
      ['p95', '>', 200],
      ['errors', '>', 0],
      ['rps', '<', 100],
      ['p99', '>=', 1000],
    ]);
    expect(breached(thresholds, { p95: 250, p99: 900, errors: 0, rps: 500 }).map((t) => t.text)).toEqual(['p95>200ms']);
    expect(breached(thresholds, { p95: 10, p99: 1000, errors: 2, rps: 50 }).map((t) => t.text)).toEqual(['errors>0', 'rps<100', 'p99>=1s']);
    expect(breached(parseThresholds('p95<=5', known), { p95: 5 })).toHaveLength(1);
  });

  it('names what it cannot read, and lists the metrics it knows', () => {
    expect(() => parseThresholds('p95 is high', known)).toThrow('--fail-on: cannot read "p95 is high"; write it as metric>value');
    expect(() => parseThresholds('p42>1ms', known)).toThrow('--fail-on: unknown metric "p42"; known: p95, p99, errors, rps');
  });
});
