import { execFile } from 'node:child_process';
import { join } from 'node:path';

const tsx = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'tsx');

export interface ScriptRun {
  /** The exit code; when the process was killed at the ceiling, stderr ends by saying so. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of tools/scripts' entry files as a real process through tsx, as a user would. Asynchronous, so that
 * cases can run side by side and a server or fake in the test's own process keeps answering meanwhile.
 */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<ScriptRun> {
  // Below the tests' own ceiling (vitest.preset.ts), so that a hang fails with the script's output.
  const ceilingMs = options.timeoutMs ?? 240_000;
  return new Promise((resolve) =>
    execFile(
      tsx,
      [join(import.meta.dirname, '..', script), ...args],
      { encoding: 'utf8', timeout: ceilingMs, env: { ...process.env, ...options.env }, cwd: options.cwd },
      (error, stdout, stderr) =>
        resolve({
          code: error ? Number(error.code ?? 1) : 0,
          stdout,
          stderr: error?.killed ? `${stderr}\n[runScript: ${script} killed at its ceiling of ${ceilingMs} ms]` : stderr,
        }),
    ),
  );
}
