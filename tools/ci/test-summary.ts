#!/usr/bin/env tsx
// The last line of npm test, and the CI job summary: every project's Vitest results and coverage added up.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { markdownSummary, projectsWith, summarize, type ProjectResults } from './src/test-summary';

const usage = `
Usage: tsx tools/ci/test-summary.ts [--markdown [ROOT...]]

Adds up <project>/coverage/vitest-results.json of every project under apps/, libs/ and tools/ and prints
"N passed, N failed, N skipped". Exits 1 when a project has failed tests or no results at all.

  --markdown   print a Markdown table of the projects that ran (tests and unit coverage) for a CI job
               summary, and exit 0: it reports, and the step that ran the tests has failed the job already
  ROOT...      with --markdown: a table for each folder of results (the CI summary's ci-shards/*, one per
               shard), each with the projects it holds; default: this workspace
`;
const { values, positionals } = cliOrExit(process.argv.slice(2), usage, { markdown: { type: 'boolean' } });

const readJson = <T>(file: string): T | undefined => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined);
const resultsOf = (root: string, projects: string[]) =>
  new Map<string, ProjectResults>(
    projects.map((project) => [
      project,
      {
        tests: readJson(join(root, project, 'coverage', 'vitest-results.json')),
        coverage: readJson<{ total: ProjectResults['coverage'] }>(join(root, project, 'coverage', 'unit', 'coverage-summary.json'))?.total,
      },
    ]),
  );

const root = workspaceRoot();
if (values.markdown && positionals.length > 0) {
  for (const shard of positionals)
    console.log(
      markdownSummary(resultsOf(shard, projectsWith(shard, 'coverage/vitest-results.json')), `Tests and coverage: ${basename(shard)}`),
    );
} else if (values.markdown) {
  console.log(markdownSummary(resultsOf(root, projectsWith(root, 'vitest.config.ts'))));
} else {
  const results = resultsOf(root, projectsWith(root, 'vitest.config.ts'));
  const summary = summarize(results, process.env.MCP_FLEET_NO_POSTGRES);
  for (const line of summary.lines) console.log(line);
  process.exit(summary.ok ? 0 : 1);
}
