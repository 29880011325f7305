import { execFile } from 'node:child_process';
import { join } from 'node:path';

const tsx = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

export interface ScriptRun {
  /** The exit code (1 when the process was killed at the ceiling). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of tools/scripts' entry files as a real process through tsx, as a user would. Asynchronous, so that
 * cases can run side by side and a server or fake in the test's own process keeps answering meanwhile.
 */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<ScriptRun> {
  return new Promise((resolve) =>
    execFile(
      tsx,
      [join(import.meta.dirname, '..', script), ...args],
      { encoding: 'utf8', timeout: options.timeoutMs ?? 100_000, env: { ...process.env, ...options.env }, cwd: options.cwd },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}
