#!/usr/bin/env tsx
// The last line of npm test, and the CI job summary: every project's Vitest results and coverage added up.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/testing';
import { cliOrExit } from './src/cli';
import { markdownSummary, summarize, type ProjectResults } from './src/test-summary';

const usage = `
Usage: tsx tools/scripts/test-summary.ts [--markdown]

Adds up <project>/coverage/vitest-results.json of every project under apps/, libs/ and tools/ and prints
"N passed, N failed, N skipped". Exits 1 when a project has failed tests or no results at all.

  --markdown   print a Markdown table of the projects that ran (tests and unit coverage) for a CI job
               summary, and exit 0: it reports, and the step that ran the tests has failed the job already
`;
const { values } = cliOrExit(process.argv.slice(2), usage, { markdown: { type: 'boolean' } });

const root = workspaceRoot();
const readJson = <T>(file: string): T | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined);
const projects = ['apps', 'libs', 'tools'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'vitest.config.ts')))
    .map((entry) => join(group, entry.name)),
);
const results = new Map<string, ProjectResults>(
  projects.map((project) => [
    project,
    {
      tests: readJson(join(root, project, 'coverage', 'vitest-results.json')),
      coverage: readJson<{ total: ProjectResults['coverage'] }>(join(root, project, 'coverage', 'unit', 'coverage-summary.json'))?.total,
    },
  ]),
);
if (values.markdown) {
  console.log(markdownSummary(results));
} else {
  const summary = summarize(results);
  for (const line of summary.lines) console.log(line);
  process.exit(summary.ok ? 0 : 1);
}
