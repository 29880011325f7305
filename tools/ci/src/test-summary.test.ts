import { describe, expect, it } from 'vitest';
import { markdownSummary, summarize, type ProjectResults } from './test-summary';

const tests = (passed: number, failed: number, pending = 0): ProjectResults => ({
  tests: { numPassedTests: passed, numFailedTests: failed, numPendingTests: pending },
});

describe('summarize', () => {
  it('adds every project up into one closing line', () => {
    const summary = summarize(
      new Map([
        ['libs/a', tests(3, 0, 1)],
        ['apps/b', tests(4, 0)],
      ]),
    );
    expect(summary).toEqual({
      ok: true,
      lines: ['libs/a: 3 passed, 0 failed', 'apps/b: 4 passed, 0 failed', '7 passed, 0 failed, 1 skipped'],
    });
  });

  it('says why the PostgreSQL tests were skipped, when they could not run', () => {
    const summary = summarize(new Map([['libs/a', tests(3, 0, 2)]]), 'no DATABASE_URL');
    expect(summary.lines.at(-1)).toBe('3 passed, 0 failed, 2 skipped (the PostgreSQL tests among them: no DATABASE_URL)');
  });

  it('is not ok when a test failed, a project has no results, or nothing ran', () => {
    expect(summarize(new Map([['libs/a', tests(3, 1)]])).ok).toBe(false);
    const missing = summarize(
      new Map([
        ['libs/a', tests(3, 0)],
        ['apps/b', {}],
      ]),
    );
    expect(missing.ok).toBe(false);
    expect(missing.lines).toContain('apps/b: no results (coverage/vitest-results.json is missing; did its tests run?)');
    expect(summarize(new Map([['libs/a', tests(0, 0, 2)]])).ok).toBe(false);
  });
});

describe('markdownSummary', () => {
  it('is a table of the projects that ran, with their coverage', () => {
    const coverage = { lines: { pct: 94.7 }, branches: { pct: 100 }, functions: { pct: 90 }, statements: { pct: 95.2 } };
    const table = markdownSummary(
      new Map([
        ['apps/a', { ...tests(5, 1, 2), coverage }],
        ['libs/b', tests(3, 0)],
        ['libs/c', {}],
      ]),
    );
    expect(table.split('\n')).toEqual([
      '### Tests and coverage',
      '',
      '| project | passed | failed | skipped | lines | branches | functions | statements |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| apps/a | 5 | 1 | 2 | 94.7% | 100% | 90% | 95.2% |',
      '| libs/b | 3 | 0 | 0 | — | — | — | — |',
      '',
    ]);
  });

  it('says so when nothing ran', () => {
    expect(markdownSummary(new Map([['libs/c', {}]]))).toContain('No project ran');
  });
});
