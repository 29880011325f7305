import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The part of Vitest's JSON reporter output the summary reads. */
export interface VitestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
}

/** Per cent covered, from Vitest's json-summary reporter (coverage/unit/coverage-summary.json). */
export type CoverageTotals = Record<'lines' | 'branches' | 'functions' | 'statements', { pct: number }>;

export interface ProjectResults {
  tests?: VitestResults;
  coverage?: CoverageTotals;
}

/**
 * The projects under a root's apps/, libs/ and tools/ that hold `marker`, as `group/name`: in the workspace every
 * one with tests (vitest.config.ts); in a CI shard's results every one that ran (coverage/vitest-results.json).
 */
export const projectsWith = (root: string, marker: string): string[] =>
  ['apps', 'libs', 'tools']
    .filter((group) => existsSync(join(root, group)))
    .flatMap((group) =>
      readdirSync(join(root, group), { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, marker)))
        .map((entry) => join(group, entry.name)),
    );

/**
 * One line per project and a closing total; every project must have run, and something must have passed.
 * `noPostgres`: why the PostgreSQL tests could not run (provision.sh's MCP_FLEET_NO_POSTGRES), said with the skips.
 */
export function summarize(results: Map<string, ProjectResults>, noPostgres?: string): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let missing = false;
  for (const [project, { tests }] of results) {
    if (!tests) {
      missing = true;
      lines.push(`${project}: no results (coverage/vitest-results.json is missing; did its tests run?)`);
      continue;
    }
    passed += tests.numPassedTests;
    failed += tests.numFailedTests;
    skipped += tests.numPendingTests + (tests.numTodoTests ?? 0);
    lines.push(`${project}: ${tests.numPassedTests} passed, ${tests.numFailedTests} failed`);
  }
  lines.push(
    `${passed} passed, ${failed} failed, ${skipped} skipped${skipped > 0 && noPostgres ? ` (the PostgreSQL tests among them: ${noPostgres})` : ''}`,
  );
  return { ok: failed === 0 && !missing && passed > 0, lines };
}

/** The same results as a Markdown table for a CI job summary: tests and unit coverage per project that ran. */
export function markdownSummary(results: Map<string, ProjectResults>, title = 'Tests and coverage'): string {
  const percent = (coverage: CoverageTotals | undefined, key: keyof CoverageTotals) => (coverage ? `${coverage[key].pct}%` : '—');
  const rows = [...results].filter(([, result]) => result.tests);
  if (rows.length === 0) return `### ${title}\n\nNo project ran: nothing this change affects has tests.\n`;
  return [
    `### ${title}`,
    '',
    '| project | passed | failed | skipped | lines | branches | functions | statements |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(([project, { tests, coverage }]) => {
      const cells = [project, tests!.numPassedTests, tests!.numFailedTests, tests!.numPendingTests + (tests!.numTodoTests ?? 0)];
      const percents = (['lines', 'branches', 'functions', 'statements'] as const).map((key) => percent(coverage, key));
      return `| ${[...cells, ...percents].join(' | ')} |`;
    }),
    '',
  ].join('\n');
}
