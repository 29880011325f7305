#!/usr/bin/env -S node --import tsx
// Bundles an app into dist/main.js: its own code and the workspace libs inlined, npm packages left external
// (installed beside it, in the image too), with a source map so that stack traces and c8 coverage point at src/.
// Beside it, dist/package.json and dist/package-lock.json: exactly the npm packages the bundle needs at run time.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { bundleApp } from './src/bundle';
import { appRuntimeManifest } from './src/runtime-closure';

const usage = `
Usage: npx mcp-fleet-build [app-dir]

Bundles <app-dir>/src/main.ts into <app-dir>/dist/main.js (ESM, Node 20+, source map), and writes beside it
dist/package.json and dist/package-lock.json: the npm packages the bundle imports and all they need, at the
workspace's locked versions, which is all the image installs (npm ci in dist/).
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
// Only what this build writes: dist/ also holds the function's bundle (build-lambda) and its synth (cdk.out).
for (const file of ['main.js', 'main.js.map', 'package.json', 'package-lock.json']) rmSync(join(outdir, file), { force: true });
const started = performance.now();
const metafile = await bundleApp(appDir, outdir);
const bytes = Object.values(metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);

let manifest;
try {
  manifest = appRuntimeManifest(appDir, metafile);
} catch (error) {
  console.error(`build-app: ${(error as Error).message}`);
  process.exit(2);
}
const { imports, packageJson, packageLock } = manifest;
writeFileSync(join(outdir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
writeFileSync(join(outdir, 'package-lock.json'), `${JSON.stringify(packageLock, null, 2)}\n`);
const closure = Object.keys(packageLock.packages).length - 1;
console.log(
  `build-app: ${join(outdir, 'main.js')} (${Math.round(bytes / 1024)} KiB) in ${Math.round(performance.now() - started)} ms; run time: ${imports.length} imported packages, ${closure} installed`,
);
