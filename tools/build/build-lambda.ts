#!/usr/bin/env -S node --import tsx
// Bundles an app's Lambda entry into one file, with its config beside it, and zips both: what the CDK app deploys.
import { cpSync, existsSync, readdirSync, rmSync, statSync, utimesSync, type Dirent } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { $ } from 'zx';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { bundleFunction } from './src/bundle';

const usage = `
Usage: npx mcp-fleet-build-lambda [app-dir]

Bundles <app-dir>/src/lambda.ts, with every npm package inlined (PGlite left out: a function runs on PostgreSQL),
into <app-dir>/dist/lambda/app/index.mjs (ESM for the Node.js 24 Lambda runtime, minified, source map beside it),
copies <app-dir>/config/ to dist/lambda/config/, and zips the folder into <app-dir>/dist/lambda.zip with fixed
timestamps, so that the same sources give the same zip (and CDK the same asset hash: no deploy without a change).
The function's handlers are app/index.handler (buffered) and app/index.streamingHandler (response streaming).
app-dir defaults to the current folder, which is how Nx runs it: npx nx run <app>:build-lambda
`;

const { positionals } = cliOrExit(process.argv.slice(2), usage, {});
const appDir = resolve(positionals[0] ?? '.');
const entry = join(appDir, 'src', 'lambda.ts');
if (!existsSync(entry)) {
  console.error(
    `build-lambda: ${entry} does not exist; an app that ships as a function has src/lambda.ts (the service generator writes it with --target lambda or both)`,
  );
  process.exit(2);
}

const outdir = join(appDir, 'dist', 'lambda');
const zip = join(appDir, 'dist', 'lambda.zip');
rmSync(outdir, { recursive: true, force: true });
rmSync(zip, { force: true });
const started = performance.now();
const metafile = await bundleFunction(appDir, outdir);
cpSync(join(appDir, 'config'), join(outdir, 'config'), { recursive: true });

const files = (readdirSync(outdir, { recursive: true, withFileTypes: true }) as Dirent[])
  .filter((entry) => entry.isFile())
  .map((entry) => relative(outdir, join(entry.parentPath, entry.name)))
  .sort();
const fixed = new Date('2020-01-01T00:00:00Z');
for (const file of files) utimesSync(join(outdir, file), fixed, fixed);
await $({ cwd: outdir, input: files.join('\n'), quiet: true })`zip -X -D -q ${zip} -@`;

const bundleBytes = metafile.outputs[Object.keys(metafile.outputs).find((file) => file.endsWith('index.mjs'))!]!.bytes;
const { size } = statSync(zip);
console.log(
  `build-lambda: ${relative(process.cwd(), zip) || zip} (${Math.round(size / 1024)} KiB zipped; app/index.mjs ${Math.round(bundleBytes / 1024)} KiB, ${files.length} files) in ${Math.round(performance.now() - started)} ms`,
);
