import { describe, expect, it } from 'vitest';
import { formatNumber, progressReporter, table } from './report';

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
