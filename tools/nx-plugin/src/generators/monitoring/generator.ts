import { formatFiles, type Tree } from '@nx/devkit';
import { ALERT_ROUTING_FILE, MONITORING_FILE, renderAlertRouting, renderMonitoring } from '../../monitoring';
import { appPackages, chosenApps, environmentsIn, kubernetesApps } from '../app-packages';
import type { MonitoringGeneratorSchema } from './schema';

/**
 * Writes each app's monitoring objects from its objectives, and each environment's alert routing. Every app's
 * objectives are checked first, so a bad one writes nothing at all.
 */
export function writeMonitoring(tree: Tree, apps: string[]): void {
  const checked = new Map(appPackages(tree).map((entry) => [entry.app, entry.checked]));
  const problems = apps.flatMap((app) => checked.get(app)?.problems ?? [`apps/${app}/package.json has no mcpFleet entry`]);
  if (problems.length > 0)
    throw new Error(`monitoring: nothing written; fix ${problems.length === 1 ? 'this' : 'these'} first:\n  - ${problems.join('\n  - ')}`);
  for (const app of apps) tree.write(`apps/${app}/${MONITORING_FILE}`, renderMonitoring(app, checked.get(app)!.fleet!.objectives));
  for (const { name } of environmentsIn(tree)) tree.write(`deploy/environments/${name}/${ALERT_ROUTING_FILE}`, renderAlertRouting());
}

/** `nx g @mcp-fleet/nx-plugin:monitoring [app]` */
export default async function monitoringGenerator(tree: Tree, options: MonitoringGeneratorSchema): Promise<void> {
  writeMonitoring(tree, chosenApps('monitoring', kubernetesApps(tree), options.app));
  await formatFiles(tree);
}
