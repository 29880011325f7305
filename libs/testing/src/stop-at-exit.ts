import type { ChildProcess } from 'node:child_process';

/** Processes the harness started and has not seen end. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Kills `child` when this process exits, if it is still running then: a test that failed before stopping what it
 * started (or never got the chance) leaves nothing behind its worker.
 */
export function stopAtExit<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}
