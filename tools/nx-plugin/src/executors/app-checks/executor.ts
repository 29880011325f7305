import type { ExecutorContext } from '@nx/devkit';
import { appProblems } from '../../app-checks';

/**
 * `nx run <app>:check`: what every app must keep, for one app — its manifest (mcpFleet), its overlays rendered
 * from the shared base against the Kubernetes schemas and the fleet policy, and its monitoring file as its
 * objectives generate it. Cached per app, so a change to one app's deploy/ checks that app alone.
 */
export default async function appChecks(_options: Record<string, never>, context: ExecutorContext): Promise<{ success: boolean }> {
  const app = context.projectName!;
  const problems = appProblems(context.root, app);
  if (problems.length === 0) {
    process.stdout.write(`${app}: manifest, overlays, fleet policy and monitoring all hold\n`);
    return { success: true };
  }
  process.stderr.write(`${app}: ${problems.length} problem(s):\n${problems.map((problem) => `  - ${problem}`).join('\n')}\n`);
  return { success: false };
}
