import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/** Workspace libs are TypeScript sources and are bundled; every npm package stays an import. */
export const externalPackages: Plugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@mcp-fleet/') ? undefined : { path: args.path, external: true }));
  },
};

/**
 * Keeps `import.meta.dirname` and `import.meta.url` meaning the source file's own place in a bundle that lives
 * elsewhere, so that a script finds the workspace and its files as it does when tsx runs it.
 */
export const sourceImportMeta: Plugin = {
  name: 'source-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      loader: 'ts',
      contents: readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
    }));
  },
};

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
