/** The part of Vitest's JSON reporter output the summary reads. */
export interface VitestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
}

export function summarize(results: Map<string, VitestResults | undefined>): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const [project, result] of results) {
    if (!result) {
      lines.push(`${project}: no results (coverage/vitest-results.json is missing; did its tests run?)`);
      continue;
    }
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + (result.numTodoTests ?? 0);
    lines.push(`${project}: ${result.numPassedTests} passed, ${result.numFailedTests} failed`);
  }
  const missing = [...results.values()].some((result) => !result);
  lines.push(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return { ok: failed === 0 && !missing && passed > 0, lines };
}
