import { describe, expect, it } from 'vitest';
import {
  cacheCounts,
  estimate,
  mergeDurations,
  planShards,
  shardTable,
  tasksOfGraph,
  UNKNOWN_TASK_SECONDS,
  type Durations,
  type Task,
} from './shards';

const task = (id: string): Task => ({ id, project: id.slice(0, id.lastIndexOf(':')), target: id.slice(id.lastIndexOf(':') + 1) });
const TARGETS = ['lint', 'typecheck', 'test', 'build'];

// Durations as a cold run on main measured them (Nx's run.json on this machine, seconds): the plan's real input.
const RECORDED: Durations = {
  'nx-plugin:test': 172.5,
  'nx-plugin:typecheck': 8.4,
  'nx-plugin:lint': 3.7,
  'scripts:test': 122.7,
  'scripts:typecheck': 8.7,
  'scripts:lint': 5.0,
  'documents:test': 89.7,
  'documents:typecheck': 18.0,
  'documents:lint': 3.4,
  'documents:build': 0.7,
  'text-tools:test': 45.7,
  'text-tools:typecheck': 7.8,
  'text-tools:lint': 2.4,
  'text-tools:build': 0.5,
  'conformance-server:test': 30.8,
  'conformance-server:typecheck': 8.6,
  'conformance-server:lint': 2.6,
  'conformance-server:build': 1.4,
  'storage:test': 30.8,
  'storage:typecheck': 5.0,
  'storage:lint': 2.9,
  'testing:test': 26.3,
  'testing:typecheck': 6.8,
  'testing:lint': 4.2,
  'runtime:test': 13.8,
  'runtime:typecheck': 7.2,
  'runtime:lint': 4.1,
  'middleware:test': 11.8,
  'middleware:typecheck': 4.9,
  'middleware:lint': 3.7,
  'kube-fake:test': 3.3,
  'kube-fake:typecheck': 2.8,
  'kube-fake:lint': 2.6,
};
const everything = Object.keys(RECORDED).map(task);
const options = { shards: 4, minShardSeconds: 120 };

describe('planShards', () => {
  it('splits a change to every project into shards within 20% of each other, never dropping or repeating a task', () => {
    const shards = planShards(everything, RECORDED, options);
    expect(shards).toHaveLength(4);
    const seconds = shards.map((shard) => shard.seconds);
    expect(Math.max(...seconds) / Math.min(...seconds)).toBeLessThanOrEqual(1.2);
    const planned = shards.flatMap((shard) => shard.tasks);
    expect(planned.sort()).toEqual(everything.map((t) => t.id).sort());
    // A project's tasks stay together.
    for (const shard of shards) for (const id of shard.tasks) expect(shard.projects).toContain(task(id).project);
    expect(new Set(shards.flatMap((shard) => shard.projects)).size).toBe(shards.flatMap((shard) => shard.projects).length);
  });

  it('runs a change to one app in one shard', () => {
    const shards = planShards(
      TARGETS.map((target) => task(`documents:${target}`)),
      RECORDED,
      options,
    );
    expect(shards).toEqual([
      {
        index: 1,
        projects: ['documents'],
        tasks: ['documents:lint', 'documents:typecheck', 'documents:test', 'documents:build'],
        seconds: 112,
      },
    ]);
  });

  it('uses fewer runners than allowed when the work would not fill them, and none for nothing', () => {
    const small = ['kube-fake', 'middleware', 'runtime'].flatMap((project) =>
      ['lint', 'typecheck', 'test'].map((target) => task(`${project}:${target}`)),
    );
    expect(planShards(small, RECORDED, options)).toHaveLength(1);
    expect(planShards(everything, RECORDED, { shards: 8, minShardSeconds: 120 }).length).toBe(5);
    expect(planShards([], RECORDED, options)).toEqual([]);
  });

  it('is balanced as well as the tasks allow when one project outweighs the rest', () => {
    const shards = planShards(everything, { ...RECORDED, 'nx-plugin:test': 600 }, options);
    expect(shards[0]!.projects).toEqual(['nx-plugin']);
    // Everything else shares the other shards, evenly.
    const others = shards.slice(1).map((shard) => shard.seconds);
    expect(Math.max(...others) / Math.min(...others)).toBeLessThanOrEqual(1.2);
  });

  it('lists a task the graph names twice once', () => {
    const shards = planShards([task('documents:build'), task('documents:test'), task('documents:build')], RECORDED, options);
    expect(shards.flatMap((shard) => shard.tasks)).toEqual(['documents:build', 'documents:test']);
  });
});

describe('estimate', () => {
  it('takes the measured seconds, else the median of the same target, else a default', () => {
    expect(estimate(task('documents:test'), RECORDED)).toBe(89.7);
    expect(estimate(task('gen-new:lint'), { 'a:lint': 2, 'b:lint': 4, 'c:lint': 9, 'a:test': 100 })).toBe(4);
    expect(estimate(task('gen-new:lint'), { 'a:lint': 2, 'b:lint': 4 })).toBe(3);
    expect(estimate(task('gen-new:soak'), RECORDED)).toBe(UNKNOWN_TASK_SECONDS);
  });
});

describe('the durations and the graph', () => {
  const run = (tasks: [string, number, string, number?][]) => ({
    tasks: tasks.map(([taskId, ms, cacheStatus, status = 0]) => ({
      taskId,
      startTime: '2026-12-03T10:00:00.000Z',
      endTime: new Date(Date.parse('2026-12-03T10:00:00.000Z') + ms).toISOString(),
      cacheStatus,
      status,
    })),
  });

  it('measures anew only the tasks that ran and passed; a cached or failed one keeps its last duration', () => {
    const merged = mergeDurations({ 'a:test': 50, 'b:test': 60, 'c:test': 70 }, [
      run([['a:test', 42_340, 'cache-miss']]),
      run([
        ['b:test', 10, 'remote-cache-hit'],
        ['c:test', 1_000, 'cache-miss', 1],
        ['d:lint', 2_000, 'cache-miss'],
      ]),
    ]);
    expect(merged).toEqual({ 'a:test': 42.3, 'b:test': 60, 'c:test': 70, 'd:lint': 2 });
    expect(Object.keys(merged)).toEqual(['a:test', 'b:test', 'c:test', 'd:lint']);
  });

  it('counts how the tasks were had', () => {
    expect(
      cacheCounts([
        run([
          ['a:test', 1, 'remote-cache-hit'],
          ['b:test', 1, 'local-cache-hit'],
          ['c:test', 1, 'cache-miss'],
        ]),
        run([['d:lint', 1, 'remote-cache-hit']]),
      ]),
    ).toEqual({
      tasks: 4,
      remote: 2,
      local: 1,
      ran: 1,
    });
  });

  it("reads the tasks of Nx's task graph, the builds tests depend on included", () => {
    const graph = {
      tasks: {
        tasks: {
          'documents:test': { id: 'documents:test', target: { project: 'documents', target: 'test' } },
          'documents:build': { id: 'documents:build', target: { project: 'documents', target: 'build' } },
        },
      },
    };
    expect(tasksOfGraph(graph)).toEqual([task('documents:test'), task('documents:build')]);
  });

  it('shows the plan as a table, and says when nothing is affected', () => {
    const table = shardTable(planShards(everything, RECORDED, options), RECORDED);
    expect(table).toContain('33 tasks in 4 shards; 33 timed by the last run on main, the others estimated.');
    expect(table).toMatch(/\| 1 \| \d+ \| nx-plugin/);
    expect(shardTable([], {})).toContain('Nothing is affected: no shard runs.');
  });
});
