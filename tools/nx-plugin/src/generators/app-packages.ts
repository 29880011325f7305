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

/**
 * The fleet's apps on Kubernetes in the tree: folders of apps/ whose package.json has an mcpFleet entry (a function
 * has no manifests); one whose entry has problems is kept, so that writing it names them.
 */
export const kubernetesApps = (tree: Tree): string[] =>
  appPackages(tree)
    .filter(({ checked }) => checked && (!checked.fleet || checked.fleet.kubernetes))
    .map(({ app }) => app)
    .sort();

/** The apps a generator writes for: `app` alone when named (it must be one of `apps`), else all of them. */
export function chosenApps(generator: string, apps: string[], app: string | undefined): string[] {
  if (app === undefined) return apps;
  if (!apps.includes(app))
    throw new Error(
      `${generator}: "${app}" is no app of this workspace on Kubernetes (apps/<name>/package.json with an mcpFleet entry, not kubernetes: false); those apps are ${apps.join(', ') || 'none'}`,
    );
  return [app];
}

/** The fleet's environments: the components under deploy/environments, with their text. */
export const environmentsIn = (tree: Tree) =>
  tree
    .children('deploy/environments')
    .map((name) => ({ name, component: tree.read(`deploy/environments/${name}/kustomization.yaml`, 'utf8') ?? '' }));
