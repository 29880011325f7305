import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLEET_OBJECTIVES, listApps, readApp, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { dockerfileProblems, IMAGE_NODE_FLAGS, type Manifest } from '@mcp-fleet/testing';
import type { ExecutorContext } from '@nx/devkit';
import { describe, expect, it, vi } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { appProblems, monitoringProblems, portClashes, productionDrain } from './app-checks';
import appChecks from './executors/app-checks/executor';
import { MONITORING_FILE, renderMonitoring } from './monitoring';

const root = workspaceRoot();

/** Runs `check` on a scratch copy of the fleet's deploy/ and one app's manifest, config and deploy/, then removes it. */
function withCopyOf(app: string, check: (workspace: string) => void): void {
  const workspace = mkdtempSync(join(tmpdir(), 'app-checks-'));
  try {
    for (const path of ['deploy', `apps/${app}/package.json`, `apps/${app}/config`, `apps/${app}/deploy`])
      cpSync(join(root, path), join(workspace, path), { recursive: true });
    check(workspace);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

describe('every app of this workspace', () => {
  it('is found by its mcpFleet entry', () => {
    expect(listApps(root)).toEqual(expect.arrayContaining(['documents', 'text-tools']));
  });

  it('has a port of its own', () => {
    expect(portClashes(root)).toEqual([]);
  });

  it('is built by the one shared Dockerfile, which keeps the image rules', () => {
    const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    // Tests and the bench run an app as the image does.
    expect(JSON.parse(/^CMD (.*)$/m.exec(dockerfile)![1]!)).toEqual(['node', ...IMAGE_NODE_FLAGS, 'dist/main.js']);
  });

  it('is started by docker-compose.yml publishing only apps, on loopback, and demanding no variable of the whole file', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    // ${VAR:?message} fails every compose command while VAR is unset, even one for another service.
    expect(text).not.toMatch(/\$\{\w+:?\?/);
    const { services } = parse(text) as {
      services: Record<
        string,
        {
          ports?: string[];
          build?: { dockerfile: string; args: { APP: string } };
          read_only?: boolean;
          environment?: Record<string, string>;
        }
      >;
    };
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) {
        expect(service.ports, `${name} is no app: nothing of it is published`).toBeUndefined();
        continue;
      }
      expect(service.build).toMatchObject({ dockerfile: 'deploy/Dockerfile', args: { APP: name } });
      expect(service.read_only).toBe(true);
      expect(service.ports).toEqual([`127.0.0.1:${readApp(root, name)!.port}:8080`]);
      // The image binds 0.0.0.0, where the runtime will not start without the host names it is reached by.
      expect(service.environment?.HTTP__ALLOWED_HOSTS).toBe('localhost,127.0.0.1');
    }
  });

  it('names an environment of the fleet the app has no overlay for', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'app-checks-'));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(join(workspace, file, '..'), { recursive: true });
        writeFileSync(join(workspace, file), text);
      };
      write('deploy/environments/qa/kustomization.yaml', 'kind: Component\n');
      write('apps/lone/package.json', JSON.stringify({ name: 'lone', mcpFleet: { port: 3999 } }));
      write('apps/lone/config/base.yaml', 'port: 3999\n');
      expect(appProblems(workspace, 'lone')).toEqual([
        "lone: no overlay for the fleet's environment qa; add deploy/overlays/qa as the service generator writes it",
        'lone: deploy/base/monitoring.yaml is not what its mcpFleet.objectives generate; run npx nx g @mcp-fleet/nx-plugin:monitoring lone (it is never edited by hand)',
      ]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('refuses bad objectives, and a monitoring file that is not what they generate', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'app-checks-'));
    try {
      mkdirSync(join(workspace, 'deploy', 'environments'), { recursive: true });
      mkdirSync(join(workspace, 'apps', 'lone', 'deploy', 'base'), { recursive: true });
      const manifest = (objectives: unknown) =>
        writeFileSync(join(workspace, 'apps/lone/package.json'), JSON.stringify({ name: 'lone', mcpFleet: { port: 3999, objectives } }));
      mkdirSync(join(workspace, 'apps', 'lone', 'config'));
      writeFileSync(join(workspace, 'apps/lone/config/base.yaml'), 'port: 3999\n');
      manifest({ availabilityPercent: 99.9 });
      writeFileSync(join(workspace, 'apps/lone', MONITORING_FILE), renderMonitoring('lone', FLEET_OBJECTIVES));
      expect(appProblems(workspace, 'lone')).toEqual([]);
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        expect(await appChecks({}, { root: workspace, projectName: 'lone' } as ExecutorContext)).toEqual({ success: true });
      } finally {
        stdout.mockRestore();
      }
      writeFileSync(
        join(workspace, 'apps/lone', MONITORING_FILE),
        readFileSync(join(workspace, 'apps/lone', MONITORING_FILE), 'utf8').replace('> 0.0144', '> 0.5'),
      );
      expect(appProblems(workspace, 'lone')).toEqual([
        expect.stringContaining('lone: deploy/base/monitoring.yaml is not what its mcpFleet.objectives generate'),
      ]);
      manifest({ availabilityPercent: 100 });
      expect(appProblems(workspace, 'lone')).toEqual([
        expect.stringContaining(
          'apps/lone/package.json mcpFleet.objectives.availabilityPercent is 100: must be a number from 90 to 99.999',
        ),
      ]);
      // As `nx run lone:check` runs them: the problems on stderr, and a failed task.
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      try {
        expect(await appChecks({}, { root: workspace, projectName: 'lone' } as ExecutorContext)).toEqual({ success: false });
        expect(String(stderr.mock.calls[0]?.[0])).toMatch(
          /^lone: 1 problem\(s\):\n {2}- apps\/lone\/package\.json mcpFleet\.objectives\.availabilityPercent is 100/,
        );
      } finally {
        stderr.mockRestore();
      }
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('refuses a server.json that is not what the registry generator makes, or made for a host the Ingress does not render', () => {
    withCopyOf('documents', (workspace) => {
      expect(appProblems(workspace, 'documents')).toEqual([]);
      const staging = join(workspace, 'apps/documents/deploy/overlays/staging/server.json');
      writeFileSync(staging, readFileSync(staging, 'utf8').replace('"version": "0.1.0"', '"version": "0.2.0"'));
      expect(appProblems(workspace, 'documents')).toEqual([
        'documents: deploy/overlays/staging/server.json is not what its package.json and the staging Ingress host generate; run npx nx g @mcp-fleet/nx-plugin:registry documents (it is never edited by hand)',
      ]);
      // A host set by the app's own overlay, not by the environment's component: server.json would name the wrong URL.
      const overlay = join(workspace, 'apps/documents/deploy/overlays/production/kustomization.yaml');
      writeFileSync(
        overlay,
        `${readFileSync(overlay, 'utf8')}patches:\n  - target: { kind: Ingress }\n    patch: '[{"op": "replace", "path": "/spec/rules/0/host", "value": "docs.other.example.org"}]'\n`,
      );
      expect(appProblems(workspace, 'documents')).toEqual(
        expect.arrayContaining([
          'documents production: the Ingress renders host docs.other.example.org, but deploy/environments/production/kustomization.yaml patches documents.mcp.example.com, which server.json names; make the Ingress host come from that patch',
        ]),
      );
    });
  });

  it("refuses an environment's alert routing that is not what the fleet's routing generates, or that an overlay does not render", () => {
    withCopyOf('text-tools', (workspace) => {
      expect(appProblems(workspace, 'text-tools')).toEqual([]);
      const routing = join(workspace, 'deploy/environments/staging/alert-routing.yaml');
      writeFileSync(routing, readFileSync(routing, 'utf8').replace('value: page', 'value: critical'));
      expect(appProblems(workspace, 'text-tools')).toEqual([
        "text-tools staging: deploy/environments/staging/alert-routing.yaml is not what the fleet's alert routing generates; run npx nx g @mcp-fleet/nx-plugin:monitoring (it is never edited by hand)",
      ]);
      const component = join(workspace, 'deploy/environments/staging/kustomization.yaml');
      writeFileSync(component, readFileSync(component, 'utf8').replace('resources: [alert-routing.yaml]\n', ''));
      expect(appProblems(workspace, 'text-tools')).toContain(
        'text-tools staging: renders ConfigMap, Deployment, HorizontalPodAutoscaler, Ingress, NetworkPolicy, PodDisruptionBudget, PrometheusRule, Service, ServiceMonitor, not AlertmanagerConfig, ConfigMap, Deployment, HorizontalPodAutoscaler, Ingress, NetworkPolicy, PodDisruptionBudget, PrometheusRule, Service, ServiceMonitor',
      );
    });
  });

  it('names a ServiceMonitor that would select the wrong Service or port, and monitoring objects the operator or Grafana would not load', () => {
    // The monitoring generator's objects beside the Service the shared base makes (each app's rendered overlay is
    // checked by its own check target).
    const service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'text-tools', labels: { 'app.kubernetes.io/name': 'text-tools', 'app.kubernetes.io/part-of': 'mcp-fleet' } },
      spec: { ports: [{ name: 'http', port: 80 }] },
    };
    const rendered = [
      service,
      ...parseAllDocuments(renderMonitoring('text-tools', FLEET_OBJECTIVES)).map((document) => document.toJSON()),
    ] as Manifest[];
    expect(monitoringProblems(rendered)).toEqual([]);
    const changed = (kind: string, change: (manifest: Manifest) => void) =>
      rendered.map((manifest) => {
        const copy = structuredClone(manifest);
        if (copy.kind === kind) change(copy);
        return copy;
      });
    expect(
      monitoringProblems(changed('ServiceMonitor', (m) => (m.spec.selector.matchLabels['app.kubernetes.io/name'] = 'documents'))),
    ).toEqual([
      'ServiceMonitor/text-tools: selects no Service with {"app.kubernetes.io/name":"documents","app.kubernetes.io/part-of":"mcp-fleet"}; it must select Service/text-tools alone',
      'ServiceMonitor/text-tools: scrapes port "http", which its Service does not name',
    ]);
    expect(monitoringProblems(changed('ServiceMonitor', (m) => (m.spec.endpoints[0].port = 'metrics')))).toEqual([
      'ServiceMonitor/text-tools: scrapes port "metrics", which its Service does not name',
    ]);
    expect(monitoringProblems(changed('PrometheusRule', (m) => delete m.metadata.labels!.prometheus))).toEqual([
      'PrometheusRule/text-tools: lacks the labels the fleet\'s Prometheus and Alertmanager select by ({"prometheus":"mcp-fleet"}), so it would never be loaded',
    ]);
    expect(monitoringProblems(changed('ConfigMap', (m) => delete m.metadata.labels!.grafana_dashboard))).toEqual([
      'ConfigMap/text-tools-dashboard: lacks {"grafana_dashboard":"1"}, so Grafana\'s sidecar would not load the dashboard',
    ]);
  });

  it("reads the drain its pods get from the Deployment's SHUTDOWN__* variables over the app's config", () => {
    const deployment = (env: { name: string; value: string }[]) => [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ env }] } } } },
    ];
    const documents = join(root, 'apps', 'documents');
    expect(
      productionDrain(
        documents,
        deployment([
          { name: 'SHUTDOWN__GRACE_MS', value: '25000' },
          { name: 'SHUTDOWN__DRAIN_DELAY_MS', value: '5000' },
        ]),
      ),
    ).toEqual({ graceMs: 25_000, drainDelayMs: 5000 });
    expect(productionDrain(documents, deployment([]))).toEqual({ graceMs: 10_000, drainDelayMs: 0 });
  });
});
