// How a tool's tests run its entry scripts as a user would, as real processes: each project's Vitest global setup
// bundles its entry files once (bundleScripts), so that each run starts plain Node on a bundle instead of tsx
// compiling the script again, dozens of times a run. Same sources, same externals as an
// app's build; tsx itself is still what the workflow tests run.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages, sourceImportMeta } from '../src/esbuild-plugins';

/** Where a project's script bundles go: inside the workspace, so their npm imports resolve as the sources' do. */
export const scriptBundles = (projectDir: string): string => join(projectDir, 'node_modules', '.cache', 'script-bundles');

/** Bundles every entry script of a project (its top-level .ts files but tests and configs), for runScript. */
export async function bundleScripts(projectDir: string): Promise<void> {
  const entries = readdirSync(projectDir).filter(
    (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'vitest.config.ts',
  );
  await build({
    entryPoints: entries.map((file) => join(projectDir, file)),
    outdir: scriptBundles(projectDir),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [sourceImportMeta, externalPackages],
  });
}

export interface ScriptRun {
  /** The exit code; when the process was killed at the ceiling, stderr ends by saying so. */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of a project's entry files as a real process, as a user would (from its bundle, which the global setup
 * made from the same source). Asynchronous, so that cases can run side by side and a server or fake in the
 * test's own process keeps answering meanwhile.
 */
export function runScript(
  projectDir: string,
  script: string,
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<ScriptRun> {
  const bundle = join(scriptBundles(projectDir), script.replace(/\.ts$/, '.mjs'));
  if (!existsSync(bundle))
    throw new Error(`${bundle} does not exist: the project's vitest globalSetup bundles its scripts (bundleScripts)`);
  // Below the tests' own ceiling (@mcp-fleet/vitest-preset), so that a hang fails with the script's output.
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
