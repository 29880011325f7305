#!/usr/bin/env tsx
// Bundles an app into dist/main.js: its own code and the workspace libs inlined, npm packages left external
// (installed beside it, in the image too), with a source map so that stack traces and c8 coverage point at src/.
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { externalPackages } from './src/bundle';
import { cliOrExit } from './src/cli';

const usage = `
Usage: tsx tools/scripts/build-app.ts [app-dir]

Bundles <app-dir>/src/main.ts into <app-dir>/dist/main.js (ESM, Node 20+, source map).
app-dir defaults to the current folder, which is how Nx runs it: npx nx run <app>:build
`;

const { positionals } = cliOrExit(process.argv.slice(2), usage, {});
const appDir = resolve(positionals[0] ?? '.');
const entry = join(appDir, 'src', 'main.ts');
if (!existsSync(entry)) {
  console.error(`build-app: ${entry} does not exist; pass an app folder such as apps/text-tools`);
  process.exit(2);
}

const outdir = join(appDir, 'dist');
rmSync(outdir, { recursive: true, force: true });
const started = performance.now();
const result = await build({
  entryPoints: [entry],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [externalPackages],
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`build-app: ${join(outdir, 'main.js')} (${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms`);
