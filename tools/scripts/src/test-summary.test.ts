import { describe, expect, it } from 'vitest';
import { summarize } from './test-summary';

const result = (passed: number, failed: number, pending = 0) => ({ numPassedTests: passed, numFailedTests: failed, numPendingTests: pending });

describe('summarize', () => {
  it('adds every project up into one closing line', () => {
    const summary = summarize(new Map([['libs/a', result(3, 0, 1)], ['apps/b', result(4, 0)]]));
    expect(summary).toEqual({ ok: true, lines: ['libs/a: 3 passed, 0 failed', 'apps/b: 4 passed, 0 failed', '7 passed, 0 failed, 1 skipped'] });
  });

  it('is not ok when a test failed, a project has no results, or nothing ran', () => {
    expect(summarize(new Map([['libs/a', result(3, 1)]])).ok).toBe(false);
    const missing = summarize(new Map([['libs/a', result(3, 0)], ['apps/b', undefined]]));
    expect(missing.ok).toBe(false);
    expect(missing.lines).toContain('apps/b: no results (coverage/vitest-results.json is missing; did its tests run?)');
    expect(summarize(new Map([['libs/a', result(0, 0, 2)]])).ok).toBe(false);
  });
});
