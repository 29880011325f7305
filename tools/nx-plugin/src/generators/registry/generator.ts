import { formatFiles, type Tree } from '@nx/devkit';
import { environmentHost, renderServerJson, serverJson, serverJsonFile } from '../../registry';
import { appPackages, chosenApps, environmentsIn, kubernetesApps } from '../app-packages';
import type { RegistryGeneratorSchema } from './schema';

/**
 * Writes each app's server.json for each environment. Every entry is made and checked first, so a bad one writes
 * nothing at all.
 */
export function writeServerJson(tree: Tree, apps: string[]): void {
  const packages = new Map(appPackages(tree).map((entry) => [entry.app, entry]));
  const problems: string[] = [];
  const files: [string, string][] = [];
  for (const app of apps) {
    const { manifest, checked } = packages.get(app) ?? {};
    if (!manifest || !checked?.fleet) {
      problems.push(...(checked?.problems ?? [`apps/${app}/package.json has no mcpFleet entry`]));
      continue;
    }
    for (const { name: environment, component } of environmentsIn(tree)) {
      const host = environmentHost(component, app);
      if (!host) {
        problems.push(
          `deploy/environments/${environment}/kustomization.yaml patches no Ingress host (/spec/rules/0/host) to name ${app}'s URL by`,
        );
        continue;
      }
      const made = serverJson({
        app,
        packageJson: manifest as { description?: string; version?: string },
        fleet: checked.fleet,
        environment,
        host,
      });
      if (made.document) files.push([`apps/${app}/${serverJsonFile(environment)}`, renderServerJson(made.document)]);
      else problems.push(...made.problems);
    }
  }
  if (problems.length > 0)
    throw new Error(`registry: nothing written; fix ${problems.length === 1 ? 'this' : 'these'} first:\n  - ${problems.join('\n  - ')}`);
  for (const [file, text] of files) tree.write(file, text);
}

/** `nx g @mcp-fleet/nx-plugin:registry [app]` */
export default async function registryGenerator(tree: Tree, options: RegistryGeneratorSchema): Promise<void> {
  writeServerJson(tree, chosenApps('registry', kubernetesApps(tree), options.app));
  await formatFiles(tree);
}
