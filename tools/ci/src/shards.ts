// The CI plan: the affected tasks, split into shards that finish together, by the durations of the last run on
// main. A project's tasks stay in one shard, so that the build its tests depend on is made (or fetched from the
// remote cache) once, and a change to one app runs one shard.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Task {
  /** `project:target`, as Nx names it. */
  id: string;
  project: string;
  target: string;
}

export interface Shard {
  /** 1-based, as the matrix shows it. */
  index: number;
  projects: string[];
  tasks: string[];
  /** The estimated seconds of its tasks, one after another. */
  seconds: number;
}

/** Seconds per task id, from Nx's run.json of earlier runs (durations.json). */
export type Durations = Record<string, number>;

export interface PlanOptions {
  /** The most runners to use (ci.yml's setting). */
  shards: number;
  /** Less work than this per runner does not pay for a runner's start (checkout, npm ci): fewer shards then. */
  minShardSeconds: number;
}

/** Used for a task nothing is known of, nor of any task of its target. */
export const UNKNOWN_TASK_SECONDS = 30;

const median = (values: number[]): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** A task's last measured seconds; for a new one, the median of the known tasks of its target. */
export function estimate(task: Task, durations: Durations): number {
  const known = durations[task.id];
  if (known !== undefined) return known;
  const sameTarget = Object.entries(durations)
    .filter(([id]) => id.endsWith(`:${task.target}`))
    .map(([, seconds]) => seconds);
  return median(sameTarget) ?? UNKNOWN_TASK_SECONDS;
}

/**
 * Longest-processing-time first: each project, largest first, goes to the shard with the least work so far.
 * Within 4/3 of the best possible split, and deterministic (ties go by name, then to the lower shard).
 */
export function planShards(tasks: Task[], durations: Durations, options: PlanOptions): Shard[] {
  const byProject = new Map<string, { tasks: string[]; seconds: number }>();
  for (const task of tasks) {
    const entry = byProject.get(task.project) ?? { tasks: [], seconds: 0 };
    if (entry.tasks.includes(task.id)) continue;
    entry.tasks.push(task.id);
    entry.seconds += estimate(task, durations);
    byProject.set(task.project, entry);
  }
  if (byProject.size === 0) return [];
  const items = [...byProject].sort(([a, x], [b, y]) => y.seconds - x.seconds || a.localeCompare(b));
  const total = items.reduce((sum, [, item]) => sum + item.seconds, 0);
  const count = Math.max(1, Math.min(options.shards, items.length, Math.floor(total / options.minShardSeconds)));
  const shards: Shard[] = Array.from({ length: count }, (_, index) => ({ index: index + 1, projects: [], tasks: [], seconds: 0 }));
  for (const [project, item] of items) {
    const lightest = shards.reduce((best, shard) => (shard.seconds < best.seconds ? shard : best));
    lightest.projects.push(project);
    lightest.tasks.push(...item.tasks);
    lightest.seconds += item.seconds;
  }
  for (const shard of shards) shard.seconds = Math.round(shard.seconds);
  return shards;
}

/** The tasks of Nx's task graph (`nx affected -t … --graph=stdout`), the builds the tests depend on included. */
export function tasksOfGraph(graph: {
  tasks: { tasks: Record<string, { id: string; target: { project: string; target: string } }> };
}): Task[] {
  return Object.values(graph.tasks.tasks).map((task) => ({ id: task.id, project: task.target.project, target: task.target.target }));
}

/** Nx's run.json: every task of one run, with its times and whether it came from a cache. */
export interface NxRun {
  tasks: { taskId: string; startTime: string; endTime: string; cacheStatus: string; status: number }[];
}

/**
 * The durations to plan the next run by: the old ones, with every task that really ran this time (not from a
 * cache, and passed) measured anew. A task that came from the cache keeps its last real duration.
 */
export function mergeDurations(previous: Durations, runs: NxRun[]): Durations {
  const merged: Durations = { ...previous };
  for (const run of runs) {
    for (const task of run.tasks) {
      if (task.cacheStatus !== 'cache-miss' || task.status !== 0) continue;
      merged[task.taskId] = Math.round((Date.parse(task.endTime) - Date.parse(task.startTime)) / 100) / 10;
    }
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** Nx's run.json of each root that has one (a shard's results, or a workspace run with NX_CACHE_DIRECTORY=.nx/cache). */
export function nxRunsOf(roots: string[]): NxRun[] {
  return roots
    .map((root) => join(root, '.nx', 'cache', 'run.json'))
    .filter((file) => existsSync(file))
    .map((file) => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as NxRun;
      } catch (error) {
        throw new Error(`${file} is not Nx's run.json: ${(error as Error).message}`);
      }
    });
}

/** How a run's tasks were had: from the remote cache, the local one, or run. */
export function cacheCounts(runs: NxRun[]): { tasks: number; remote: number; local: number; ran: number } {
  const statuses = runs.flatMap((run) => run.tasks.map((task) => task.cacheStatus));
  const remote = statuses.filter((status) => status === 'remote-cache-hit').length;
  const local = statuses.filter((status) => status.startsWith('local-cache')).length;
  return { tasks: statuses.length, remote, local, ran: statuses.length - remote - local };
}

/** The plan as a Markdown table, for the plan job's summary. */
export function shardTable(shards: Shard[], durations: Durations): string {
  if (shards.length === 0) return '### CI plan\n\nNothing is affected: no shard runs.\n';
  const known = shards.flatMap((shard) => shard.tasks).filter((id) => durations[id] !== undefined).length;
  const all = shards.reduce((sum, shard) => sum + shard.tasks.length, 0);
  return [
    '### CI plan',
    '',
    `${all} tasks in ${shards.length} shard${shards.length === 1 ? '' : 's'}; ${known} timed by the last run on main, the others estimated.`,
    '',
    '| shard | estimated s | projects |',
    '| ---: | ---: | --- |',
    ...shards.map((shard) => `| ${shard.index} | ${shard.seconds} | ${shard.projects.join(', ')} |`),
    '',
  ].join('\n');
}
