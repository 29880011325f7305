import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ALERT_ROUTING_FILE, MONITORING_FILE } from '../../monitoring';
import monitoringGenerator from './generator';

let tree: Tree;
beforeEach(() => {
  tree = createTreeWithEmptyWorkspace();
  tree.delete('.oxfmtrc.json');
  writeJson(tree, 'apps/text-tools/package.json', { name: 'text-tools', mcpFleet: { port: 3001 } });
  writeJson(tree, 'apps/documents/package.json', {
    name: 'documents',
    mcpFleet: { port: 3002, objectives: { availabilityPercent: 99.5, latency: { thresholdMs: 1000 } } },
  });
  writeJson(tree, 'apps/not-an-app/package.json', { name: 'not-an-app' });
  for (const environment of ['staging', 'production'])
    tree.write(`deploy/environments/${environment}/kustomization.yaml`, 'kind: Component\n');
});

const kindsIn = (app: string) =>
  parseAllDocuments(tree.read(`apps/${app}/${MONITORING_FILE}`, 'utf8')!).map((document) => document.toJSON() as { kind: string });

describe('monitoring generator', () => {
  it("writes every app's ServiceMonitor, PrometheusRule and dashboard from its objectives", async () => {
    await monitoringGenerator(tree, {});
    expect(kindsIn('text-tools').map((object) => object.kind)).toEqual(['ServiceMonitor', 'PrometheusRule', 'ConfigMap']);
    const documents = tree.read(`apps/documents/${MONITORING_FILE}`, 'utf8')!;
    expect(documents).toContain('vector(0.995)');
    expect(documents).toContain('le="1"');
    expect(tree.exists(`apps/not-an-app/${MONITORING_FILE}`)).toBe(false);
  });

  it("writes each environment's alert routing, whichever apps it writes", async () => {
    await monitoringGenerator(tree, { app: 'documents' });
    for (const environment of ['staging', 'production']) {
      const [routing] = parseAllDocuments(tree.read(`deploy/environments/${environment}/${ALERT_ROUTING_FILE}`, 'utf8')!);
      expect(routing!.toJSON()).toMatchObject({ kind: 'AlertmanagerConfig', metadata: { name: 'mcp-fleet-alert-routing' } });
    }
  });

  it('writes one app when named, and refuses a name that is no app', async () => {
    await monitoringGenerator(tree, { app: 'documents' });
    expect(tree.exists(`apps/documents/${MONITORING_FILE}`)).toBe(true);
    expect(tree.exists(`apps/text-tools/${MONITORING_FILE}`)).toBe(false);
    await expect(monitoringGenerator(tree, { app: 'docs' })).rejects.toThrow(
      'monitoring: "docs" is no app of this workspace on Kubernetes (apps/<name>/package.json with an mcpFleet entry, not kubernetes: false); those apps are documents, text-tools',
    );
  });

  it("writes nothing at all when any app's objectives are wrong, and lists every problem", async () => {
    const manifest = readJson(tree, 'apps/text-tools/package.json');
    writeJson(tree, 'apps/text-tools/package.json', {
      ...manifest,
      mcpFleet: { ...manifest.mcpFleet, objectives: { latency: { thresholdMs: 300 }, uptime: 99 } },
    });
    await expect(monitoringGenerator(tree, {})).rejects.toThrow(
      /^monitoring: nothing written; fix these first:\n {2}- apps\/text-tools\/package\.json mcpFleet\.objectives\.latency\.thresholdMs is 300: must be an edge.*\n {2}- apps\/text-tools\/package\.json mcpFleet\.objectives\.uptime is not a setting/,
    );
    expect(tree.exists(`apps/documents/${MONITORING_FILE}`)).toBe(false);
  });
});
