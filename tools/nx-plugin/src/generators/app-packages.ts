import { readJson, type Tree } from '@nx/devkit';

export interface AppPackage {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  mcpFleet?: McpFleetEntry;
}

/** An app's `mcpFleet` entry, as far as the plugin's generators and checks read it. */
export interface McpFleetEntry {
  port?: number;
  objectives?: unknown;
  /** false: the app ships only as a function, with no image, manifests or alerts. */
  kubernetes?: boolean;
  /** The app's function settings (tools/lambda-stack): present when it ships as a function. */
  lambda?: unknown;
}

/** Whether an app ships to Kubernetes (image, manifests, alerts): unless its mcpFleet entry says `kubernetes: false`. */
export const onKubernetes = (entry: McpFleetEntry): boolean => entry.kubernetes !== false;

/** Every folder of apps/ with a package.json, and that manifest. */
export const appPackages = (tree: Tree) =>
  tree
    .children('apps')
    .filter((app) => tree.exists(`apps/${app}/package.json`))
    .map((app) => ({ app, manifest: readJson<AppPackage>(tree, `apps/${app}/package.json`) }));
