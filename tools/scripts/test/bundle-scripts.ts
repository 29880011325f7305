// Vitest's global setup for tools/scripts: bundles every entry script once, so that the tests that run a script
// as a real process start plain Node on it (~0.5 s of CPU) instead of tsx compiling it again (~1.5 s), dozens of
// times a run. Same sources, same externals as an app's build; tsx itself is still what the workflow tests run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { externalPackages, sourceImportMeta } from '../src/bundle';

const scripts = join(import.meta.dirname, '..');
/** Inside the workspace, so that the bundles' npm imports resolve from node_modules as the sources' do. */
export const SCRIPT_BUNDLES = join(scripts, 'node_modules', '.cache', 'script-bundles');

export default async function bundleScripts(): Promise<void> {
  const entries = readdirSync(scripts).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== 'vitest.config.ts');
  await build({
    entryPoints: entries.map((file) => join(scripts, file)),
    outdir: SCRIPT_BUNDLES,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    plugins: [sourceImportMeta, externalPackages],
  });
}
