#!/usr/bin/env tsx
// npm run test:cost: what the last `npm test` (or a CI run's shards) cost, per project, task and test file.

import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { formatRunCost, readRunCost } from './src/test-cost';

const usage = `
Usage: npm run test:cost -- [--markdown] [--top N] [ROOT...]

Prints the CPU seconds (user + system, each task's whole process tree) and wall time of every project and task
of the last run, the whole command's, and the N slowest test files (default 10). npm test records them in
.nx/task-cpu (through tools/ci/task-cpu/record.mjs); Vitest's JSON results give the files.

  ROOT        a workspace, or a CI shard's results (the summary job's ci-shards/*); default: this workspace
  --markdown  a Markdown report, for a CI job summary
`;
const { values, positionals } = cliOrExit(process.argv.slice(2), usage, {
  markdown: { type: 'boolean' },
  top: { type: 'string', default: '10' },
});
const top = Number(values.top);
if (!Number.isInteger(top) || top < 1) {
  console.error(`test-cost: --top must be a whole number of at least 1, got "${values.top}"`);
  process.exit(2);
}
console.log(
  formatRunCost(readRunCost(positionals.length > 0 ? positionals : [workspaceRoot()]), { markdown: values.markdown ?? false, top }),
);
