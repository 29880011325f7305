import { describe, expect, it } from 'vitest';
import { type BenchRow, median, summarise } from './bench-summary';

const row = (id: string, rps: number, extra: Partial<BenchRow> = {}): BenchRow => ({
  id,
  name: `variant ${id}`,
  rps,
  p50: 1,
  p99: 10,
  errors: 0,
  rssMb: 100,
  cpuUsPerRequest: 1e6 / rps,
  ...extra,
});

describe('summarise', () => {
  it('takes each figure as the median of the rounds and sums the errors', () => {
    const rounds = [
      [row('a', 100, { p99: 30, errors: 1 }), row('b', 500)],
      [row('a', 300, { p99: 10, errors: 2 }), row('b', 700)],
      [row('a', 200, { p99: 20 }), row('b', 600)],
    ];
    const [a, b] = summarise(rounds, {});
    expect(a).toMatchObject({ id: 'a', name: 'variant a', rps: 200, p99: 20, errors: 3 });
    expect(b).toMatchObject({ id: 'b', rps: 600 });
  });

  it('makes a ratio from the same round, so one slow turn does not decide it', () => {
    // The machine doubles and triples its speed in rounds 2 and 3, and b has one slow turn in round 3. The ratios
    // of the medians would be 700/200 = 3.5 for b and 1000/700 = 1.43 for f; per round, b is 5x a and f is b's
    // speed in two of three.
    const rounds = [
      [row('a', 100), row('b', 500), row('f', 500)],
      [row('a', 200), row('b', 1000), row('f', 1000)],
      [row('a', 300), row('b', 700), row('f', 1000)],
    ].map((round, index) => (index % 2 === 0 ? round : round.reverse()));
    const byId = Object.fromEntries(summarise(rounds, { f: 'b' }).map((entry) => [entry.id, entry]));
    expect(byId.b!.rpsVsSdk).toBe(5);
    expect(byId.b!.cpuVsSdk).toBeCloseTo(0.2);
    expect(byId.f!.rpsVsOneTool).toBe(1);
    expect(byId.b!.rpsVsOneTool).toBeNaN();
    expect(byId.a!.rpsVsD).toBeNaN();
  });

  it("compares a 2025-era variant with its own era's bare SDK", () => {
    const rounds = [
      [row('a', 100), row('j', 300), row('k', 150)],
      [row('a', 200), row('j', 600), row('k', 200)],
    ];
    const byId = Object.fromEntries(summarise(rounds, {}, { j: 'k' }).map((entry) => [entry.id, entry]));
    expect(byId.j!.rpsVsSdk).toBe(2.5);
    expect(byId.k!.rpsVsSdk).toBe(1.25);
  });

  it('keeps the variants in the order of the first round', () => {
    const rounds = [
      [row('a', 1), row('c', 1), row('b', 1)],
      [row('b', 1), row('c', 1), row('a', 1)],
    ];
    expect(summarise(rounds, {}).map((entry) => entry.id)).toEqual(['a', 'c', 'b']);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
