import { join } from 'node:path';
import { externalPackages } from '@mcp-fleet/cli-kit/esbuild';
import { build, type Metafile, type Plugin } from 'esbuild';

/** An app's bundle as build-app makes it: src/main.ts with the workspace libs inlined, into `outdir` (nothing written without one). */
export async function bundleApp(appDir: string, outdir?: string): Promise<Metafile> {
  const result = await build({
    entryPoints: [join(appDir, 'src', 'main.ts')],
    outdir: outdir ?? join(appDir, 'dist'),
    write: outdir !== undefined,
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
  return result.metafile;
}

/**
 * PGlite is left out of a function's bundle (WebAssembly and data files, ~30 MB, and a folder a function does not
 * keep): its import resolves to a stub that says so if anything ever reaches it. Storage refuses PGlite in a
 * function at cold start first (storageFunctionProblems).
 */
const pgliteLeftOut: Plugin = {
  name: 'pglite-left-out',
  setup(build) {
    build.onResolve({ filter: /^@electric-sql\/pglite(\/.*)?$/ }, (args) => ({ path: args.path, namespace: 'pglite-left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'pglite-left-out' }, () => ({
      contents: `export class PGlite { constructor() { throw new Error('PGlite is not in a Lambda function bundle; set DATABASE_URL'); } }`,
      loader: 'js',
    }));
  },
};

/**
 * An app's Lambda entry (src/lambda.ts) as one file with every package inlined, for the Lambda Node.js runtime:
 * `<outdir>/app/index.mjs`, beside which `../config` is the app's config folder, as it is for src/ here.
 */
export async function bundleFunction(appDir: string, outdir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: { 'app/index': join(appDir, 'src', 'lambda.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    // CommonJS packages inside an ES module still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.filename);",
    },
    // pg's native binding is optional and never installed here.
    external: ['pg-native'],
    plugins: [pgliteLeftOut],
  });
  return result.metafile;
}
