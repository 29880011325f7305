// What every app must keep, checked for each one the same way: its manifests (rendered from the shared
// kustomize base by kubectl) against the Kubernetes schemas and the fleet policy, and its port, unique.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeConfigSchema } from '@mcp-fleet/runtime';
import { policyProblems, renderOverlay, schemaProblems, type Manifest } from '@mcp-fleet/testing';
import { parse } from 'yaml';
import { checkApp, listApps } from '@mcp-fleet/fleet-manifest';
import {
  ALERT_ROUTING_FILE,
  alertRouting,
  GRAFANA_DASHBOARD_LABEL,
  MONITORING_FILE,
  OPERATOR_LABELS,
  renderAlertRouting,
  renderMonitoring,
} from './monitoring';
import { environmentHost, renderServerJson, serverJson, serverJsonFile } from './registry';

const KINDS = [
  'AlertmanagerConfig',
  'ConfigMap',
  'Deployment',
  'HorizontalPodAutoscaler',
  'Ingress',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'PrometheusRule',
  'Service',
  'ServiceMonitor',
];

const ROUTING_NAME = (alertRouting() as { metadata: { name: string } }).metadata.name;
/** What a rendered object is named, by kind, where it is not the app's name. */
const NAMES: Record<string, (app: string) => string> = { ConfigMap: (app) => `${app}-dashboard`, AlertmanagerConfig: () => ROUTING_NAME };

const readYaml = (file: string): Record<string, unknown> =>
  existsSync(file) ? ((parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {}) : {};

/**
 * The drain an app's pods get: the runtime's defaults, under its config/base.yaml and production.yaml, under the
 * SHUTDOWN__* variables its Deployment sets (what the process will read last).
 */
export function productionDrain(appDir: string, manifests: Manifest[]): { graceMs: number; drainDelayMs: number } {
  const [base, production] = ['base.yaml', 'production.yaml'].map(
    (file) => readYaml(join(appDir, 'config', file)).shutdown as object | undefined,
  );
  const env = (manifests.find((m) => m.kind === 'Deployment')?.spec.template.spec.containers[0].env ?? []) as {
    name: string;
    value?: string;
  }[];
  const fromEnv = (name: string) => env.find((variable) => variable.name === name)?.value;
  const set = Object.entries({ graceMs: fromEnv('SHUTDOWN__GRACE_MS'), drainDelayMs: fromEnv('SHUTDOWN__DRAIN_DELAY_MS') }).filter(
    ([, value]) => value !== undefined,
  );
  const { graceMs, drainDelayMs } = runtimeConfigSchema.shape.shutdown.parse({
    ...base,
    ...production,
    ...Object.fromEntries(set.map(([key, value]) => [key, Number(value)])),
  });
  return { graceMs, drainDelayMs };
}

/** Everything wrong with one app's deployables and settings; empty when it keeps the rules. */
export function appProblems(workspaceRoot: string, app: string): string[] {
  const appDir = join(workspaceRoot, 'apps', app);
  const checked = checkApp(workspaceRoot, app);
  if (!checked) return [`${app}: apps/${app}/package.json has no mcpFleet entry`];
  const { fleet } = checked;
  if (!fleet) return checked.problems;
  const problems: string[] = [];
  const configured = readYaml(join(appDir, 'config', 'base.yaml')).port;
  if (fleet.port !== configured)
    problems.push(`${app}: mcpFleet.port is ${fleet.port} but config/base.yaml says port: ${configured}; make them the same`);
  // A function only has no manifests or alerts: tools/lambda-stack describes it.
  if (!fleet.kubernetes) return problems;
  // Every environment of the fleet, as the service generator writes an overlay for each.
  for (const environment of readdirSync(join(workspaceRoot, 'deploy', 'environments'))) {
    if (!existsSync(join(appDir, 'deploy', 'overlays', environment))) {
      problems.push(
        `${app}: no overlay for the fleet's environment ${environment}; add deploy/overlays/${environment} as the service generator writes it`,
      );
      continue;
    }
    const manifests = renderOverlay(appDir, environment);
    const kinds = manifests.map((m) => m.kind).sort();
    if (kinds.join() !== KINDS.join()) problems.push(`${app} ${environment}: renders ${kinds.join(', ')}, not ${KINDS.join(', ')}`);
    const misnamed = manifests.filter((m) => m.metadata.name !== (NAMES[m.kind]?.(app) ?? app));
    if (misnamed.length > 0)
      problems.push(
        `${app} ${environment}: ${misnamed.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')} should be named ${app} (its dashboard ${app}-dashboard, the environment's alert routing ${ROUTING_NAME})`,
      );
    const found = [
      ...schemaProblems(manifests),
      ...policyProblems(manifests, productionDrain(appDir, manifests)),
      ...monitoringProblems(manifests),
    ];
    problems.push(...found.map((p) => `${app} ${environment}: ${p}`));
    problems.push(...registryProblems(workspaceRoot, app, environment, manifests));
    const routingFile = join(workspaceRoot, 'deploy', 'environments', environment, ALERT_ROUTING_FILE);
    if (!existsSync(routingFile) || readFileSync(routingFile, 'utf8') !== renderAlertRouting())
      problems.push(
        `${app} ${environment}: deploy/environments/${environment}/${ALERT_ROUTING_FILE} is not what the fleet's alert routing generates; run npx nx g @mcp-fleet/nx-plugin:monitoring (it is never edited by hand)`,
      );
  }
  const monitoringFile = join(appDir, MONITORING_FILE);
  if (!existsSync(monitoringFile) || readFileSync(monitoringFile, 'utf8') !== renderMonitoring(app, fleet.objectives)) {
    problems.push(
      `${app}: ${MONITORING_FILE} is not what its mcpFleet.objectives generate; run npx nx g @mcp-fleet/nx-plugin:monitoring ${app} (it is never edited by hand)`,
    );
  }
  return problems;
}

/**
 * What is wrong with an app's server.json for an environment: not what the registry generator makes of its
 * package.json and the environment's host, or made for a host its Ingress does not render.
 */
function registryProblems(workspaceRoot: string, app: string, environment: string, manifests: Manifest[]): string[] {
  const appDir = join(workspaceRoot, 'apps', app);
  const component = readFileSync(join(workspaceRoot, 'deploy', 'environments', environment, 'kustomization.yaml'), 'utf8');
  const host = environmentHost(component, app);
  const rendered = manifests.find((m) => m.kind === 'Ingress')?.spec.rules?.[0]?.host;
  if (!host || host !== rendered)
    return [
      `${app} ${environment}: the Ingress renders host ${rendered}, but deploy/environments/${environment}/kustomization.yaml patches ${host ?? 'none'}, which server.json names; make the Ingress host come from that patch`,
    ];
  const packageJson = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { description?: string; version?: string };
  const made = serverJson({ app, packageJson, fleet: checkApp(workspaceRoot, app)!.fleet!, environment, host });
  if (!made.document) return made.problems;
  const file = join(appDir, serverJsonFile(environment));
  if (existsSync(file) && readFileSync(file, 'utf8') === renderServerJson(made.document)) return [];
  return [
    `${app}: ${serverJsonFile(environment)} is not what its package.json and the ${environment} Ingress host generate; run npx nx g @mcp-fleet/nx-plugin:registry ${app} (it is never edited by hand)`,
  ];
}

const carries = (labels: Record<string, string> | undefined, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([key, value]) => labels?.[key] === value);

/**
 * What makes monitoring objects work once rendered: the operator's labels on the ServiceMonitor and the rule (or
 * its Prometheus never loads them), a ServiceMonitor that selects exactly the app's Service on a port it has, and
 * the dashboard's label for Grafana's sidecar.
 */
export function monitoringProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const services = manifests.filter((m) => m.kind === 'Service');
  for (const object of manifests.filter((m) => ['ServiceMonitor', 'PrometheusRule', 'AlertmanagerConfig'].includes(m.kind))) {
    if (!carries(object.metadata.labels, OPERATOR_LABELS))
      problems.push(
        `${object.kind}/${object.metadata.name}: lacks the labels the fleet's Prometheus and Alertmanager select by (${JSON.stringify(OPERATOR_LABELS)}), so it would never be loaded`,
      );
  }
  for (const monitor of manifests.filter((m) => m.kind === 'ServiceMonitor')) {
    const id = `ServiceMonitor/${monitor.metadata.name}`;
    const selected = services.filter((service) => carries(service.metadata.labels, monitor.spec.selector?.matchLabels ?? {}));
    if (selected.length !== 1 || selected[0]!.metadata.name !== monitor.metadata.name) {
      problems.push(
        `${id}: selects ${selected.map((s) => `Service/${s.metadata.name}`).join(', ') || 'no Service'} with ${JSON.stringify(monitor.spec.selector?.matchLabels)}; it must select Service/${monitor.metadata.name} alone`,
      );
    }
    const ports = new Set(selected.flatMap((service) => (service.spec.ports as { name?: string }[]).map((port) => port.name)));
    for (const endpoint of monitor.spec.endpoints ?? [])
      if (!ports.has(endpoint.port)) problems.push(`${id}: scrapes port "${endpoint.port}", which its Service does not name`);
  }
  for (const map of manifests.filter((m) => m.kind === 'ConfigMap')) {
    if (!carries(map.metadata.labels, GRAFANA_DASHBOARD_LABEL))
      problems.push(
        `ConfigMap/${map.metadata.name}: lacks ${JSON.stringify(GRAFANA_DASHBOARD_LABEL)}, so Grafana's sidecar would not load the dashboard`,
      );
  }
  return problems;
}

/** Ports used by more than one app: `npm start` runs them side by side. */
export function portClashes(workspaceRoot: string): string[] {
  const byPort = new Map<number, string[]>();
  for (const app of listApps(workspaceRoot)) {
    const port = checkApp(workspaceRoot, app)?.fleet?.port;
    if (port !== undefined) byPort.set(port, [...(byPort.get(port) ?? []), app]);
  }
  return [...byPort].filter(([, apps]) => apps.length > 1).map(([port, apps]) => `port ${port} is used by ${apps.join(' and ')}`);
}
