import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'ci-plan-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run ci:plan', () => {
  it('records the durations of a run from the shards it ran on, keeping those of tasks that did not run', async () => {
    const durations = join(scratch, 'durations.json');
    writeFileSync(durations, JSON.stringify({ 'documents:test': 80, 'runtime:test': 14 }));
    const shard = join(scratch, 'shard-1-node24');
    mkdirSync(join(shard, '.nx', 'cache'), { recursive: true });
    const at = (seconds: number) => new Date(Date.UTC(2026, 11, 3) + seconds * 1000).toISOString();
    const tasks = [
      { taskId: 'documents:test', startTime: at(0), endTime: at(61.2), cacheStatus: 'cache-miss', status: 0 },
      { taskId: 'runtime:test', startTime: at(0), endTime: at(0.1), cacheStatus: 'remote-cache-hit', status: 0 },
    ];
    writeFileSync(join(shard, '.nx', 'cache', 'run.json'), JSON.stringify({ tasks }));
    const recorded = await runScript(import.meta.dirname, 'ci-plan.ts', [
      'record',
      '--durations',
      durations,
      shard,
      join(scratch, 'shard-that-failed-early'),
    ]);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toContain(`ci-plan: 2 task durations in ${durations}`);
    expect(JSON.parse(readFileSync(durations, 'utf8'))).toEqual({ 'documents:test': 61.2, 'runtime:test': 14 });
  });

  it('says what is wrong with its arguments', async () => {
    const broken = join(scratch, 'broken-shard');
    mkdirSync(join(broken, '.nx', 'cache'), { recursive: true });
    writeFileSync(join(broken, '.nx', 'cache', 'run.json'), '{ "tasks": [');
    const [shards, command, noRoots, noRuns, badFile, badRun] = await Promise.all([
      runScript(import.meta.dirname, 'ci-plan.ts', ['--shards', '0']),
      runScript(import.meta.dirname, 'ci-plan.ts', ['replan']),
      runScript(import.meta.dirname, 'ci-plan.ts', ['record']),
      runScript(import.meta.dirname, 'ci-plan.ts', ['record', '--durations', join(scratch, 'none.json'), scratch]),
      runScript(import.meta.dirname, 'ci-plan.ts', ['--durations', join(import.meta.dirname, 'ci-plan.ts')]),
      runScript(import.meta.dirname, 'ci-plan.ts', ['record', '--durations', join(scratch, 'none.json'), broken]),
    ]);
    expect(shards).toMatchObject({ code: 2, stderr: expect.stringContaining('--shards must be a whole number of at least 1, got "0"') });
    expect(command).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command "replan"; the commands are plan (the default) and record'),
    });
    expect(noRoots).toMatchObject({ code: 2, stderr: expect.stringContaining('record needs the folders of the run') });
    expect(noRuns).toMatchObject({ code: 2, stderr: expect.stringContaining('no .nx/cache/run.json under') });
    expect(badFile).toMatchObject({ code: 2, stderr: expect.stringContaining('ci-plan.ts is not a durations file (task id -> seconds)') });
    expect(badRun).toMatchObject({ code: 2, stderr: expect.stringContaining("broken-shard/.nx/cache/run.json is not Nx's run.json") });
  });
});
