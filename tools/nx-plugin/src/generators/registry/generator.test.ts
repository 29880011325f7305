import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleetEnvironment } from '../testing';
import registryGenerator from './generator';

let tree: Tree;
beforeEach(() => {
  tree = createTreeWithEmptyWorkspace();
  tree.delete('.oxfmtrc.json');
  for (const environment of ['production', 'staging'])
    tree.write(`deploy/environments/${environment}/kustomization.yaml`, fleetEnvironment(environment));
  writeJson(tree, 'apps/text-tools/package.json', {
    name: 'text-tools',
    version: '0.1.0',
    description: 'Text tools.',
    mcpFleet: { port: 3001 },
  });
  writeJson(tree, 'apps/notes/package.json', {
    name: 'notes',
    version: '2.0.0',
    description: 'Notes.',
    mcpFleet: { port: 3003, auth: 'oauth' },
  });
  writeJson(tree, 'apps/fn/package.json', {
    name: 'fn',
    version: '0.1.0',
    description: 'A function.',
    mcpFleet: { port: 3004, kubernetes: false, lambda: {} },
  });
});

const entry = (app: string, environment: string) => readJson(tree, `apps/${app}/deploy/overlays/${environment}/server.json`);

describe('registry generator', () => {
  it("writes every Kubernetes app's server.json for each environment, and none for a function", async () => {
    await registryGenerator(tree, {});
    expect(entry('notes', 'staging')).toMatchObject({
      name: 'com.example.staging/notes',
      version: '2.0.0',
      remotes: [{ type: 'streamable-http', url: 'https://notes.staging.example.com/mcp' }],
    });
    expect(entry('text-tools', 'production').remotes).toEqual([{ type: 'streamable-http', url: 'https://text-tools.mcp.example.com/mcp' }]);
    expect(tree.exists('apps/fn/deploy/overlays/production/server.json')).toBe(false);
    await expect(registryGenerator(tree, { app: 'fn' })).rejects.toThrow('registry: "fn" is no app of this workspace on Kubernetes');
  });

  it('writes nothing at all when one entry would be refused, and lists every problem', async () => {
    writeJson(tree, 'apps/notes/package.json', { ...readJson(tree, 'apps/notes/package.json'), version: 'latest' });
    tree.write('deploy/environments/qa/kustomization.yaml', 'kind: Component\n');
    await expect(registryGenerator(tree, {})).rejects.toThrow(
      /^registry: nothing written; fix these first:\n {2}- apps\/notes production server\.json version is "latest": must be one version, not a range[^]*\n {2}- deploy\/environments\/qa\/kustomization\.yaml patches no Ingress host/,
    );
    expect(tree.exists('apps/text-tools/deploy/overlays/production/server.json')).toBe(false);
  });
});
