import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRunCost, readRunCost } from './test-cost';

let root: string;
const write = (file: string, value: unknown) => {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), JSON.stringify(value));
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'test-cost-'));
  // What npm test leaves: the probe's records (a task of `vitest && c8` writes two), the command's, Vitest's results.
  write('.nx/task-cpu/101.json', { task: 'documents:test', user: 40, system: 5, wall: 90, exitCode: 0 });
  write('.nx/task-cpu/102.json', { task: 'documents:test', user: 1.5, system: 0.4, wall: 4, exitCode: 0 });
  write('.nx/task-cpu/103.json', { task: 'documents:lint', user: 2, system: 0, wall: 3, exitCode: 0 });
  write('.nx/task-cpu/104.json', { task: 'runtime:test', user: 6, system: 1, wall: 14, exitCode: 0 });
  write('.nx/task-cpu/command.json', { command: 'nx run-many -t lint typecheck test', user: 50, system: 8, wall: 120, exitCode: 0 });
  write('apps/documents/coverage/vitest-results.json', {
    testResults: [
      { name: '/machine/that/ran/it/apps/documents/test/e2e.test.ts', startTime: 1000, endTime: 31_000 },
      { name: '/machine/that/ran/it/apps/documents/src/config.test.ts', startTime: 0, endTime: 500 },
    ],
  });
  write('libs/runtime/coverage/vitest-results.json', {
    testResults: [{ name: '/x/libs/runtime/src/serve.test.ts', startTime: 0, endTime: 4400 }],
  });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('test:cost', () => {
  it('adds up CPU and wall per task and project, and finds the slowest test files by their workspace path', () => {
    const cost = readRunCost([root]);
    expect(cost.tasks.get('documents:test')).toEqual({ cpu: 46.9, wall: 94 });
    expect(cost.files.map((file) => file.file)).toEqual([
      'apps/documents/test/e2e.test.ts',
      'libs/runtime/src/serve.test.ts',
      'apps/documents/src/config.test.ts',
    ]);
    const text = formatRunCost(cost, { markdown: false, top: 2 });
    expect(text).toContain('nx run-many -t lint typecheck test: 58.0 s CPU (50.0 user + 8.0 system), 120.0 s wall');
    expect(text).toContain('the tasks: 55.9 s CPU');
    expect(text).toContain('outside the tasks (nx itself, the summary): 2.1 s CPU');
    expect(text).toMatch(/^documents\s+48\.9\s+97\.0$/m);
    expect(text).toMatch(/^documents:test\s+46\.9\s+94\.0$/m);
    expect(text).toContain(
      'the 2 slowest test files (wall s)\n   30.0  apps/documents/test/e2e.test.ts\n    4.4  libs/runtime/src/serve.test.ts',
    );
  });

  it('reports several shards together, as Markdown for the CI summary', () => {
    const second = root;
    root = mkdtempSync(join(tmpdir(), 'test-cost-'));
    write('.nx/task-cpu/1.json', { task: 'scripts:test', user: 50, system: 4, wall: 95, exitCode: 0 });
    const markdown = formatRunCost(readRunCost([second, root]), { markdown: true });
    rmSync(second, { recursive: true, force: true });
    expect(markdown).toContain('### CPU and time');
    expect(markdown).toContain('| scripts | 54.0 | 95.0 | test 54.0 |');
    expect(markdown).toContain('| documents | 48.9 | 97.0 | test 46.9, lint 2.0 |');
    expect(markdown).toContain('| apps/documents/test/e2e.test.ts | 30.0 |');
    // The same figures as a chart, projects by CPU: bars of CPU s, a line of wall s.
    expect(markdown).toContain('x-axis "project" ["scripts", "documents"');
    expect(markdown).toMatch(/^ {2}bar \[54, 48\.9/m);
    expect(markdown).toMatch(/^ {2}line \[95, 97/m);
  });

  it('says how to get records when there are none', () => {
    expect(formatRunCost(readRunCost([join(root, 'nothing-here')]), { markdown: false })).toContain('run `npm test` first');
  });
});
