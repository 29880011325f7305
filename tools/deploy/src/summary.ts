import type { ReleaseOutcome } from './rollout';

const VERDICT: Record<ReleaseOutcome['status'], string> = {
  'rolled-out': '✅ rolled out',
  'rolled-back': '❌ rolled back',
  'rollback-failed': '🔥 rollback failed',
  'not-started': '❌ not started',
  planned: 'planned (dry run)',
  'canary-aborted': '❌ canary aborted, stable untouched',
  interrupted: '⚠️ interrupted, stable untouched',
};

/** The outcomes as Markdown for a CI job summary: one row per app, then each failure report as it was printed. */
export function markdownSummary(outcomes: ReleaseOutcome[], namespace: string | undefined): string {
  const where = namespace ? ` to ${namespace}` : '';
  const lines = [`### Deploy${where}`, '', '| app | image | outcome |', '| --- | --- | --- |'];
  for (const outcome of outcomes) {
    const back = outcome.status === 'rolled-back' ? `, back on \`${outcome.previousImage}\`` : '';
    lines.push(`| ${outcome.app} | \`${outcome.image}\` | ${VERDICT[outcome.status]}${back} |`);
  }
  for (const outcome of outcomes.filter((o) => o.canary)) {
    const { header, rows, decision } = outcome.canary!;
    lines.push(
      '',
      `#### ${outcome.app}: canary analysis`,
      '',
      decision,
      '',
      `| ${header.join(' | ')} |`,
      `| ${header.map(() => '---').join(' | ')} |`,
    );
    for (const row of rows) lines.push(`| ${row.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  for (const outcome of outcomes.filter((o) => o.report)) lines.push('', `#### ${outcome.app}`, '', '```text', outcome.report!, '```');
  return `${lines.join('\n')}\n`;
}
