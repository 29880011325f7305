// How the fleet bundles TypeScript with esbuild: an app's build (tools/build/src/bundle.ts) and a tool's test
// bundles of its scripts (../testing/scripts.ts). Its own entry point, so that a script importing the kit does not
// load esbuild.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';

/** Workspace libs are TypeScript sources and are bundled; every npm package stays an import. */
export const externalPackages: Plugin = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@mcp-fleet/') ? undefined : { path: args.path, external: true },
    );
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
