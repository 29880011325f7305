// What a run cost: CPU seconds and wall time per project and task (from the task-cpu probe's records), the whole
// command's, and the slowest test files (from Vitest's JSON results). `npm run test:cost` and the CI summary.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { xychart } from '@mcp-fleet/cli-kit';
import { projectsWith } from './test-summary';

/** One Nx task's process tree, as task-cpu/probe.mjs writes it (a task of `a && b` writes one record per command). */
export interface TaskRecord {
  task: string;
  user: number;
  system: number;
  wall: number;
  exitCode: number;
}
/** The whole command, as task-cpu/record.mjs writes it. */
export interface CommandRecord {
  command: string;
  user: number;
  system: number;
  wall: number;
  exitCode: number;
}

export interface RunCost {
  commands: CommandRecord[];
  /** Per task: CPU (user + system) and wall seconds, added up over its records and over the roots. */
  tasks: Map<string, { cpu: number; wall: number }>;
  /** The slowest test files, by wall seconds, with the path they have in the workspace. */
  files: { file: string; seconds: number }[];
}

const RESULTS = join('coverage', 'vitest-results.json');
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Reads what a run left in each root: the workspace itself after `npm test`, or each shard's results in CI. */
export function readRunCost(roots: string[]): RunCost {
  const cost: RunCost = { commands: [], tasks: new Map(), files: [] };
  for (const root of roots) {
    const dir = join(root, '.nx', 'task-cpu');
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.json'))) {
      if (name === 'command.json') {
        cost.commands.push(readJson<CommandRecord>(join(dir, name)));
        continue;
      }
      const record = readJson<TaskRecord>(join(dir, name));
      const entry = cost.tasks.get(record.task) ?? { cpu: 0, wall: 0 };
      entry.cpu += record.user + record.system;
      entry.wall += record.wall;
      cost.tasks.set(record.task, entry);
    }
    for (const project of projectsWith(root, RESULTS)) {
      for (const file of readJson<{ testResults: { name: string; startTime: number; endTime: number }[] }>(join(root, project, RESULTS))
        .testResults) {
        // Vitest names a file by its absolute path on the machine that ran it; keep the workspace-relative part.
        const inWorkspace = file.name.includes(`/${project}/`)
          ? `${project}/${file.name.split(`/${project}/`).at(-1)}`
          : relative(root, file.name);
        cost.files.push({ file: inWorkspace, seconds: (file.endTime - file.startTime) / 1000 });
      }
    }
  }
  cost.files.sort((a, b) => b.seconds - a.seconds);
  return cost;
}

const seconds = (value: number) => value.toFixed(1);

interface ProjectRow {
  project: string;
  cpu: number;
  wall: number;
  tasks: [string, { cpu: number; wall: number }][];
}

function byProject(cost: RunCost): ProjectRow[] {
  const projects = new Map<string, ProjectRow>();
  for (const [task, entry] of cost.tasks) {
    const project = task.slice(0, task.lastIndexOf(':'));
    const row = projects.get(project) ?? { project, cpu: 0, wall: 0, tasks: [] };
    row.cpu += entry.cpu;
    row.wall += entry.wall;
    row.tasks.push([task.slice(task.lastIndexOf(':') + 1), entry]);
    projects.set(project, row);
  }
  return [...projects.values()].sort((a, b) => b.cpu - a.cpu);
}

/** The report for a terminal (`npm run test:cost`) or a CI job summary (markdown). */
export function formatRunCost(cost: RunCost, options: { markdown: boolean; top?: number }): string {
  if (cost.tasks.size === 0 && cost.commands.length === 0) {
    return 'No CPU records: run `npm test` first (it records them in .nx/task-cpu), or pass the folders a run left them in.';
  }
  const top = options.top ?? 10;
  const taskCpu = [...cost.tasks.values()].reduce((sum, entry) => sum + entry.cpu, 0);
  const commandCpu = cost.commands.reduce((sum, command) => sum + command.user + command.system, 0);
  const totals = cost.commands.map(
    (command) =>
      `${command.command}: ${seconds(command.user + command.system)} s CPU (${seconds(command.user)} user + ${seconds(command.system)} system), ${seconds(command.wall)} s wall`,
  );
  const projects = byProject(cost);
  const tasks = [...cost.tasks].sort(([, a], [, b]) => b.cpu - a.cpu);
  const outside = commandCpu > 0 ? [`outside the tasks (nx itself, the summary): ${seconds(Math.max(0, commandCpu - taskCpu))} s CPU`] : [];

  if (options.markdown) {
    return [
      '### CPU and time',
      '',
      ...totals.map((line) => `- ${line}`),
      `- the tasks: ${seconds(taskCpu)} s CPU`,
      ...outside.map((line) => `- ${line}`),
      '',
      xychart({
        title: 'CPU and wall seconds per project',
        x: { label: 'project', values: projects.map((row) => row.project) },
        y: { label: 's' },
        series: [
          { name: 'CPU s', kind: 'bar', values: projects.map((row) => row.cpu) },
          { name: 'wall s', kind: 'line', values: projects.map((row) => row.wall) },
        ],
      }),
      '',
      '| project | CPU s | wall s | tasks (CPU s) |',
      '| --- | ---: | ---: | --- |',
      ...projects.map(
        (row) =>
          `| ${row.project} | ${seconds(row.cpu)} | ${seconds(row.wall)} | ${row.tasks.map(([target, entry]) => `${target} ${seconds(entry.cpu)}`).join(', ')} |`,
      ),
      '',
      `| the ${Math.min(top, cost.files.length)} slowest test files | wall s |`,
      '| --- | ---: |',
      ...cost.files.slice(0, top).map((file) => `| ${file.file} | ${seconds(file.seconds)} |`),
      '',
    ].join('\n');
  }
  const width = Math.max(...tasks.map(([task]) => task.length), 'project'.length);
  return [
    ...totals,
    `the tasks: ${seconds(taskCpu)} s CPU`,
    ...outside,
    '',
    `${'project'.padEnd(width)}   CPU s  wall s`,
    ...projects.map((row) => `${row.project.padEnd(width)} ${seconds(row.cpu).padStart(7)} ${seconds(row.wall).padStart(7)}`),
    '',
    `${'task'.padEnd(width)}   CPU s  wall s`,
    ...tasks.map(([task, entry]) => `${task.padEnd(width)} ${seconds(entry.cpu).padStart(7)} ${seconds(entry.wall).padStart(7)}`),
    '',
    `the ${Math.min(top, cost.files.length)} slowest test files (wall s)`,
    ...cost.files.slice(0, top).map((file) => `${seconds(file.seconds).padStart(7)}  ${file.file}`),
  ].join('\n');
}
