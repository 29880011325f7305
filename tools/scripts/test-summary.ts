#!/usr/bin/env tsx
// The last line of npm test: every project's Vitest results added up, so one line says what ran.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/testing';
import { cliOrExit } from './src/cli';
import { summarize, type VitestResults } from './src/test-summary';

const usage = `
Usage: tsx tools/scripts/test-summary.ts

Adds up <project>/coverage/vitest-results.json of every project under apps/, libs/ and tools/ and prints
"N passed, N failed, N skipped". Exits 1 when a project has failed tests or no results at all.
`;
cliOrExit(process.argv.slice(2), usage, {});

const root = workspaceRoot();
const projects = ['apps', 'libs', 'tools'].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, 'vitest.config.ts')))
    .map((entry) => join(group, entry.name)),
);
const results = new Map<string, VitestResults | undefined>(
  projects.map((project) => {
    const file = join(root, project, 'coverage', 'vitest-results.json');
    return [project, existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as VitestResults) : undefined];
  }),
);
const summary = summarize(results);
for (const line of summary.lines) console.log(line);
process.exit(summary.ok ? 0 : 1);
