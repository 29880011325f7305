import { formatFiles, type Tree } from '@nx/devkit';
import { MONITORING_FILE, renderMonitoring, resolveObjectives } from '../../monitoring';
import { appPackages, onKubernetes } from '../app-packages';
import type { MonitoringGeneratorSchema } from './schema';

/** The fleet's apps on Kubernetes in the tree: folders of apps/ whose package.json has an mcpFleet entry (a function has CloudWatch alarms instead). */
const fleetAppsIn = (tree: Tree) =>
  appPackages(tree)
    .filter(({ manifest }) => manifest.mcpFleet && onKubernetes(manifest.mcpFleet))
    .map(({ app }) => app)
    .sort();

/**
 * Writes each app's monitoring objects from its objectives. Every app's objectives are checked first, so a bad one
 * writes nothing at all.
 */
export function writeMonitoring(tree: Tree, apps: string[]): void {
  const manifests = new Map(appPackages(tree).map(({ app, manifest }) => [app, manifest]));
  const resolved = apps.map((app) => ({ app, ...resolveObjectives(app, manifests.get(app)?.mcpFleet?.objectives) }));
  const problems = resolved.flatMap((entry) => entry.problems);
  if (problems.length > 0) throw new Error(`monitoring: nothing written; fix ${problems.length === 1 ? 'this' : 'these'} first:\n  - ${problems.join('\n  - ')}`);
  for (const { app, objectives } of resolved) tree.write(`apps/${app}/${MONITORING_FILE}`, renderMonitoring(app, objectives));
}

/** `nx g @mcp-fleet/nx-plugin:monitoring [app]` */
export default async function monitoringGenerator(tree: Tree, options: MonitoringGeneratorSchema): Promise<void> {
  const apps = fleetAppsIn(tree);
  if (options.app !== undefined && !apps.includes(options.app)) {
    throw new Error(`monitoring: "${options.app}" is no app of this workspace on Kubernetes (apps/<name>/package.json with an mcpFleet entry, not kubernetes: false); those apps are ${apps.join(', ') || 'none'}`);
  }
  writeMonitoring(tree, options.app === undefined ? apps : [options.app]);
  await formatFiles(tree);
}
