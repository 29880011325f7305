// What every app must keep, checked for each one the same way: its manifests (rendered from the shared
// kustomize base by kubectl) against the Kubernetes schemas and the fleet policy, and its port, unique.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeConfigSchema } from '@mcp-fleet/runtime';
import { policyProblems, renderOverlay, schemaProblems, type Manifest } from '@mcp-fleet/testing';
import { parse } from 'yaml';

const KINDS = ['Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Service'];

export interface AppManifest {
  name: string;
  mcpFleet?: { port?: number };
}

/** The apps of a workspace: folders of apps/ whose package.json has an mcpFleet entry. */
export function fleetApps(workspaceRoot: string): string[] {
  const apps = join(workspaceRoot, 'apps');
  return readdirSync(apps).filter((app) => existsSync(join(apps, app, 'package.json')) && readManifest(workspaceRoot, app).mcpFleet);
}

export const readManifest = (workspaceRoot: string, app: string): AppManifest =>
  JSON.parse(readFileSync(join(workspaceRoot, 'apps', app, 'package.json'), 'utf8')) as AppManifest;

const readYaml = (file: string): Record<string, unknown> => (existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {}) : {});

/**
 * The drain an app's pods get: the runtime's defaults, under its config/base.yaml and production.yaml, under the
 * SHUTDOWN__* variables its Deployment sets (what the process will read last).
 */
export function productionDrain(appDir: string, manifests: Manifest[]): { graceMs: number; drainDelayMs: number } {
  const [base, production] = ['base.yaml', 'production.yaml'].map((file) => readYaml(join(appDir, 'config', file)).shutdown as object | undefined);
  const env = (manifests.find((m) => m.kind === 'Deployment')?.spec.template.spec.containers[0].env ?? []) as { name: string; value?: string }[];
  const fromEnv = (name: string) => env.find((variable) => variable.name === name)?.value;
  const set = Object.entries({ graceMs: fromEnv('SHUTDOWN__GRACE_MS'), drainDelayMs: fromEnv('SHUTDOWN__DRAIN_DELAY_MS') }).filter(([, value]) => value !== undefined);
  const { graceMs, drainDelayMs } = runtimeConfigSchema.shape.shutdown.parse({ ...base, ...production, ...Object.fromEntries(set.map(([key, value]) => [key, Number(value)])) });
  return { graceMs, drainDelayMs };
}

/** Everything wrong with one app's deployables and settings; empty when it keeps the rules. */
export function appProblems(workspaceRoot: string, app: string): string[] {
  const appDir = join(workspaceRoot, 'apps', app);
  const problems: string[] = [];
  // Every environment of the fleet, as the service generator writes an overlay for each.
  for (const environment of readdirSync(join(workspaceRoot, 'deploy', 'environments'))) {
    if (!existsSync(join(appDir, 'deploy', 'overlays', environment))) {
      problems.push(`${app}: no overlay for the fleet's environment ${environment}; add deploy/overlays/${environment} as the service generator writes it`);
      continue;
    }
    const manifests = renderOverlay(appDir, environment);
    const kinds = manifests.map((m) => m.kind).sort();
    if (kinds.join() !== KINDS.join()) problems.push(`${app} ${environment}: renders ${kinds.join(', ')}, not ${KINDS.join(', ')}`);
    const names = [...new Set(manifests.map((m) => m.metadata.name))];
    if (names.join() !== app) problems.push(`${app} ${environment}: objects are named ${names.join(', ')}, not ${app}`);
    problems.push(...[...schemaProblems(manifests), ...policyProblems(manifests, productionDrain(appDir, manifests))].map((p) => `${app} ${environment}: ${p}`));
  }
  const port = readManifest(workspaceRoot, app).mcpFleet?.port;
  const configured = readYaml(join(appDir, 'config', 'base.yaml')).port;
  if (port !== configured) problems.push(`${app}: mcpFleet.port is ${port} but config/base.yaml says port: ${configured}; make them the same`);
  return problems;
}

/** Ports used by more than one app: `npm start` runs them side by side. */
export function portClashes(workspaceRoot: string): string[] {
  const byPort = new Map<number, string[]>();
  for (const app of fleetApps(workspaceRoot)) {
    const port = readManifest(workspaceRoot, app).mcpFleet?.port;
    if (port !== undefined) byPort.set(port, [...(byPort.get(port) ?? []), app]);
  }
  return [...byPort].filter(([, apps]) => apps.length > 1).map(([port, apps]) => `port ${port} is used by ${apps.join(' and ')}`);
}
