import { describe, expect, it } from 'vitest';
import { formatNumber, progressReporter, table, xychart } from './report';

describe('table', () => {
  it('aligns names left and numbers right', () => {
    expect(
      table(
        ['run', 'calls', 'p95 ms'],
        [
          ['light', 100, 1.234],
          ['heavy', 1000, 123.4],
        ],
      ),
    ).toBe(['run    calls  p95 ms', '-----  -----  ------', 'light    100    1.23', 'heavy   1000     123'].join('\n'));
  });

  it('rounds to the precision that matters', () => {
    expect([formatNumber(3), formatNumber(3.14159), formatNumber(31.4159), formatNumber(314.159)]).toEqual(['3', '3.14', '31.4', '314']);
  });
});

describe('progressReporter', () => {
  function stream(isTTY: boolean) {
    const written: string[] = [];
    return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
  }

  it('redraws a bar on a terminal', () => {
    const { written, stream: tty } = stream(true);
    const progress = progressReporter('load', tty);
    progress.update(0.5, '50/100');
    progress.done();
    expect(written[0]).toBe(`\rload [${'#'.repeat(15)}${'.'.repeat(15)}] 50% 50/100\u001b[K`);
    expect(written[1]).toBe('\n');
  });

  it('writes plain lines, not too often, elsewhere', () => {
    const { written, stream: pipe } = stream(false);
    const progress = progressReporter('soak', pipe);
    progress.update(0.1, 'a');
    progress.update(0.2, 'b');
    progress.update(1, 'c');
    progress.done();
    expect(written).toEqual(['soak: 10% a\n', 'soak: 100% c\n']);
  });
});

describe('xychart', () => {
  it('is a Mermaid xychart-beta block, values to two decimals, labels quoted, the series named after it', () => {
    expect(
      xychart({
        title: 'Latency "per" step',
        x: { label: 'step', values: ['100 at 5', 'b'] },
        y: { label: 'ms' },
        series: [
          { name: 'p50', kind: 'line', values: [1.234, 2] },
          { name: 'calls/s', kind: 'bar', values: [10.005, 3.3333] },
        ],
      }),
    ).toBe(
      [
        '```mermaid',
        'xychart-beta',
        `  title "Latency 'per' step"`,
        '  x-axis "step" ["100 at 5", "b"]',
        '  y-axis "ms"',
        '  line [1.23, 2]',
        '  bar [10.01, 3.33]',
        '```',
        '',
        'Series, in order: p50 (line), calls/s (bar).',
      ].join('\n'),
    );
    expect(xychart({ title: 't', x: { label: 't (s)', values: [0, 0.25] }, y: { label: 'MB' }, series: [] })).toContain(
      'x-axis "t (s)" [0, 0.25]',
    );
  });
});
