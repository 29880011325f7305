// Instructions per call under valgrind's callgrind (npm run bench -- --instructions N): a count that what else the
// machine runs does not move, for comparing two builds where wall-clock rounds on a shared machine cannot settle 3%.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** What a stretch of calls cost: every thread's instructions (V8's compiler and GC threads too), and the main thread's. */
export interface InstructionCount {
  allThreads: number;
  mainThread: number;
}

/** The command that runs a server under callgrind, collecting per thread into dumps in `dir`. */
export function callgrindWrapper(dir: string): string[] {
  // V8 writes machine code into its heap and rewrites it: callgrind must re-read code that changes.
  return ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg')}`];
}

/** Why callgrind cannot run here, or undefined when it can. */
export function callgrindMissing(): string | undefined {
  try {
    execFileSync('callgrind_control', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'valgrind is not installed (Debian/Ubuntu: sudo apt-get install valgrind; it has no macOS arm64 build)';
  }
}

/**
 * The instructions `calls` took in the process `pid` runs under callgrind: counted between a zero and a dump, less
 * what the process spends idle in as long (its timers fire per second, not per call, and under callgrind a
 * second is long: without this, a run slowed by the machine would count more per call). The idle rate is counted
 * right after, for `idleMs`. `dir` is the one callgrindWrapper wrote into, holding no earlier dump. `host` is the
 * HOST variable the process has, if any: valgrind names its control pipes after it, and callgrind_control must too.
 */
export async function countInstructions(
  { pid, host }: { pid: number; host?: string },
  dir: string,
  calls: () => Promise<unknown>,
  idleMs = 10_000,
): Promise<InstructionCount & { idlePerSecond: InstructionCount }> {
  const control = (command: string) =>
    execFileSync('callgrind_control', [command, String(pid)], { env: { ...process.env, HOST: host }, stdio: ['ignore', 'ignore', 'pipe'] });
  control('--zero');
  const started = performance.now();
  await calls();
  const busyMs = performance.now() - started;
  control('--dump');
  control('--zero');
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  control('--dump');
  const [busy, idle] = [readDump(dir, 1), readDump(dir, 2)];
  const share = busyMs / idleMs;
  return {
    allThreads: busy.allThreads - idle.allThreads * share,
    mainThread: busy.mainThread - idle.mainThread * share,
    idlePerSecond: { allThreads: (idle.allThreads * 1000) / idleMs, mainThread: (idle.mainThread * 1000) / idleMs },
  };
}

/** The instructions in the `part`th dump in `dir` (its files cg.<part>-<thread>, thread 1 the main one). */
export function readDump(dir: string, part: number): InstructionCount {
  const count: InstructionCount = { allThreads: 0, mainThread: 0 };
  const ofPart = new RegExp(`^cg\\.${part}-(\\d+)$`);
  const threadOf = (name: string) => ofPart.exec(name)?.[1];
  const files = readdirSync(dir).filter((name) => threadOf(name) !== undefined);
  if (files.length === 0) throw new Error(`no callgrind dump (cg.${part}-<thread>) in ${dir}`);
  for (const name of files) {
    const summary = /^summary: (\d+)$/m.exec(header(join(dir, name)));
    if (!summary) throw new Error(`${join(dir, name)} has no "summary:" line: not a callgrind dump`);
    count.allThreads += Number(summary[1]);
    if (Number(threadOf(name)) === 1) count.mainThread = Number(summary[1]);
  }
  return count;
}

/** A dump's first 4 KiB, where its header is: a dump runs to megabytes of per-function costs. */
function header(file: string): string {
  const buffer = Buffer.alloc(4096);
  const fd = openSync(file, 'r');
  try {
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}
