import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPT_BUNDLES } from './bundle-scripts';

export interface ScriptRun {
  /** The exit code; when the process was killed at the ceiling, stderr ends by saying so. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of tools/scripts' entry files as a real process, as a user would (from its bundle, which the global
 * setup made from the same source). Asynchronous, so that cases can run side by side and a server or fake in the
 * test's own process keeps answering meanwhile.
 */
export function runScript(script: string, args: string[], options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {}): Promise<ScriptRun> {
  const bundle = join(SCRIPT_BUNDLES, script.replace(/\.ts$/, '.mjs'));
  if (!existsSync(bundle)) throw new Error(`${bundle} does not exist: tools/scripts' tests bundle their scripts in test/bundle-scripts.ts (vitest's globalSetup)`);
  // Below the tests' own ceiling (vitest.preset.ts), so that a hang fails with the script's output.
  const ceilingMs = options.timeoutMs ?? 240_000;
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [bundle, ...args],
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
