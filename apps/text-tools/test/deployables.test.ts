import { readFileSync } from 'node:fs';
import { dockerfileProblems, policyProblems, renderOverlay, schemaProblems } from '@mcp-fleet/testing';
import { loadConfig } from '@mcp-fleet/runtime';
import { describe, expect, it } from 'vitest';

const appDir = new URL('..', import.meta.url).pathname;
const production = loadConfig({ dir: new URL('../config', import.meta.url), env: { MCP_ENV: 'production' } });

describe.each(['staging', 'production'])('text-tools %s manifests (kubectl kustomize)', (overlay) => {
  const manifests = renderOverlay(appDir, overlay);

  it('are a Deployment, Service, HPA, PDB and Ingress that validate against the Kubernetes schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'PodDisruptionBudget', 'Service']);
    expect(schemaProblems(manifests)).toEqual([]);
  });

  it('keep the fleet policy, with a grace period longer than the runtime drain', () => {
    expect(policyProblems(manifests, production.shutdown)).toEqual([]);
  });
});

describe('text-tools Dockerfile', () => {
  it('is multi-stage, on a pinned Node 24 slim image, non-root, with a HEALTHCHECK', () => {
    expect(dockerfileProblems(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'))).toEqual([]);
  });
});
