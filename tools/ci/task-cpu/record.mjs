#!/usr/bin/env node
// Runs a command (npm test's nx run-many, a CI shard's) and records the CPU time of each Nx task it runs and of
// the whole command, for `npm run test:cost`. Plain JavaScript, so that measuring costs no TypeScript loader.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const usage = `Usage: node tools/ci/task-cpu/record.mjs COMMAND [ARGS...]

Runs COMMAND with a probe preloaded into every Node process, which records each Nx task's CPU seconds (user and
system, its whole process tree) and wall time in ./.nx/task-cpu/, and the whole command's in ./.nx/task-cpu/command.json.
Exits with COMMAND's exit code. \`npm run test:cost\` prints what it recorded.`;

const command = process.argv.slice(2);
if (command.length === 0 || command[0] === '--help' || command[0] === '-h') {
  console.log(usage);
  process.exit(command.length === 0 ? 2 : 0);
}

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(process.cwd(), '.nx', 'task-cpu');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
// A file URL, so that a path with spaces survives NODE_OPTIONS' splitting.
const probe = `--import=${pathToFileURL(join(here, 'probe.mjs')).href}`;
const env = { ...process.env, MCP_FLEET_TASK_CPU_DIR: dir, NODE_OPTIONS: [process.env.NODE_OPTIONS, probe].filter(Boolean).join(' ') };
delete env.MCP_FLEET_TASK_CPU_TOP;

const started = Date.now();
const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  console.error(`task-cpu: cannot run ${command[0]}: ${error.message}`);
  process.exit(127);
});
child.on('close', (code, signal) => {
  // The children's CPU of this process: everything the command ran, waited for. Linux only, as the probe is:
  // elsewhere the command runs as it would, and nothing is recorded.
  if (existsSync('/proc/self/stat')) {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const [childUser, childSystem] = stat
      .slice(stat.lastIndexOf(') ') + 2)
      .split(' ')
      .slice(13, 15)
      .map((value) => Number(value) / 100);
    const run = {
      command: command.join(' '),
      user: childUser,
      system: childSystem,
      wall: (Date.now() - started) / 1000,
      exitCode: code ?? 1,
    };
    writeFileSync(join(dir, 'command.json'), `${JSON.stringify(run)}\n`);
  }
  process.exit(code ?? (signal ? 128 : 1));
});
