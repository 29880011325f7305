import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerfileProblems, workspaceRoot } from '@mcp-fleet/testing';
import { describe, expect, it } from 'vitest';
import { appProblems, fleetApps, portClashes, productionDrain } from './app-checks';

const root = workspaceRoot();

describe('every app of this workspace', () => {
  it('is found by its mcpFleet entry', () => {
    expect(fleetApps(root)).toEqual(expect.arrayContaining(['documents', 'text-tools']));
  });

  it.each(fleetApps(root))('%s: renders its overlays from the shared base, valid and within the fleet policy', (app) => {
    expect(appProblems(root, app)).toEqual([]);
  });

  it('has a port of its own', () => {
    expect(portClashes(root)).toEqual([]);
  });

  it('is built by the one shared Dockerfile, which keeps the image rules', () => {
    expect(dockerfileProblems(readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8'))).toEqual([]);
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
      expect(appProblems(workspace, 'lone')).toEqual(["lone: no overlay for the fleet's environment qa; add deploy/overlays/qa as the service generator writes it"]);
    } finally {
      rmSync(workspace, { recursive: true, force: true });
    }
  });

  it('reads the drain its pods get from the Deployment\'s SHUTDOWN__* variables over the app\'s config', () => {
    const deployment = (env: { name: string; value: string }[]) => [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { containers: [{ env }] } } } }];
    const documents = join(root, 'apps', 'documents');
    expect(productionDrain(documents, deployment([{ name: 'SHUTDOWN__GRACE_MS', value: '25000' }, { name: 'SHUTDOWN__DRAIN_DELAY_MS', value: '5000' }]))).toEqual({ graceMs: 25_000, drainDelayMs: 5000 });
    expect(productionDrain(documents, deployment([]))).toEqual({ graceMs: 10_000, drainDelayMs: 0 });
  });
});
