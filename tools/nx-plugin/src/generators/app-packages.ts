import { parseMcpFleet } from '@mcp-fleet/fleet-manifest';
import { readJson, type Tree } from '@nx/devkit';

export interface AppPackage {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  mcpFleet?: unknown;
}

/** Every folder of apps/ with a package.json: that package.json, and its mcpFleet entry checked (none without one). */
export const appPackages = (tree: Tree) =>
  tree
    .children('apps')
    .filter((app) => tree.exists(`apps/${app}/package.json`))
    .map((app) => {
      const manifest = readJson<AppPackage>(tree, `apps/${app}/package.json`);
      return { app, manifest, checked: manifest.mcpFleet === undefined ? undefined : parseMcpFleet(app, manifest.mcpFleet) };
    });
