// Preloaded into every Node process of a run (NODE_OPTIONS=--import) by record.mjs. The first Node
// process of an Nx task (Nx's run-executor, whose parent is nx itself) writes, as it exits, the CPU time of
// the task's whole process tree: its own and that of every child it waited for (/proc's cutime and cstime,
// which the kernel adds up from the grandchildren too). Nested processes see the marker and write nothing, so
// nothing is counted twice. Linux only; elsewhere the probe does nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.MCP_FLEET_TASK_CPU_DIR;
const project = process.env.NX_TASK_TARGET_PROJECT;
if (dir && project && !process.env.MCP_FLEET_TASK_CPU_TOP) {
  process.env.MCP_FLEET_TASK_CPU_TOP = String(process.pid);
  const started = Date.now();
  process.on('exit', (exitCode) => {
    let fields;
    try {
      // After "(comm) ": state is field 3, so utime, stime, cutime, cstime (fields 14-17) are at 11-14.
      const stat = readFileSync('/proc/self/stat', 'utf8');
      fields = stat
        .slice(stat.lastIndexOf(') ') + 2)
        .split(' ')
        .map(Number);
    } catch {
      return;
    }
    const ticks = 100; // USER_HZ: 100 on every Linux that Node supports
    const [user, system, childUser, childSystem] = fields.slice(11, 15).map((value) => value / ticks);
    const record = {
      task: `${project}:${process.env.NX_TASK_TARGET_TARGET}`,
      user: user + childUser,
      system: system + childSystem,
      wall: (Date.now() - started) / 1000,
      exitCode,
    };
    writeFileSync(join(dir, `${process.pid}.json`), `${JSON.stringify(record)}\n`);
  });
}
