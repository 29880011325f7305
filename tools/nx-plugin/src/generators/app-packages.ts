import { readJson, type Tree } from '@nx/devkit';

export interface AppPackage {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  mcpFleet?: { port?: number; objectives?: unknown };
}

/** Every folder of apps/ with a package.json, and that manifest. */
export const appPackages = (tree: Tree) =>
  tree
    .children('apps')
    .filter((app) => tree.exists(`apps/${app}/package.json`))
    .map((app) => ({ app, manifest: readJson<AppPackage>(tree, `apps/${app}/package.json`) }));
