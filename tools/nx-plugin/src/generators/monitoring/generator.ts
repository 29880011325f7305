import { formatFiles, type Tree } from '@nx/devkit';
import { MONITORING_FILE, renderMonitoring } from '../../monitoring';
import { appPackages } from '../app-packages';
import type { MonitoringGeneratorSchema } from './schema';

/**
 * The fleet's apps on Kubernetes in the tree: folders of apps/ whose package.json has an mcpFleet entry (a function
 * has CloudWatch alarms instead); one whose entry has problems is kept, so that writing it names them.
 */
const fleetAppsIn = (tree: Tree) =>
  appPackages(tree)
    .filter(({ checked }) => checked && (!checked.fleet || checked.fleet.kubernetes))
    .map(({ app }) => app)
    .sort();

/**
 * Writes each app's monitoring objects from its objectives. Every app's objectives are checked first, so a bad one
 * writes nothing at all.
 */
export function writeMonitoring(tree: Tree, apps: string[]): void {
  const checked = new Map(appPackages(tree).map((entry) => [entry.app, entry.checked]));
  const problems = apps.flatMap((app) => checked.get(app)?.problems ?? [`apps/${app}/package.json has no mcpFleet entry`]);
  if (problems.length > 0)
    throw new Error(`monitoring: nothing written; fix ${problems.length === 1 ? 'this' : 'these'} first:\n  - ${problems.join('\n  - ')}`);
  for (const app of apps) tree.write(`apps/${app}/${MONITORING_FILE}`, renderMonitoring(app, checked.get(app)!.fleet!.objectives));
}

/** `nx g @mcp-fleet/nx-plugin:monitoring [app]` */
export default async function monitoringGenerator(tree: Tree, options: MonitoringGeneratorSchema): Promise<void> {
  const apps = fleetAppsIn(tree);
  if (options.app !== undefined && !apps.includes(options.app)) {
    throw new Error(
      `monitoring: "${options.app}" is no app of this workspace on Kubernetes (apps/<name>/package.json with an mcpFleet entry, not kubernetes: false); those apps are ${apps.join(', ') || 'none'}`,
    );
  }
  writeMonitoring(tree, options.app === undefined ? apps : [options.app]);
  await formatFiles(tree);
}
