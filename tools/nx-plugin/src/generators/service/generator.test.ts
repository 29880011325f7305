import { parseMcpFleet } from '@mcp-fleet/fleet-manifest';
import { addProjectConfiguration, readJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleetEnvironment } from '../testing';
import serviceGenerator from './generator';

let tree: Tree;
beforeEach(() => {
  tree = createTreeWithEmptyWorkspace();
  // This workspace has no formatter; the empty workspace's oxfmt config would make formatFiles look for one.
  tree.delete('.oxfmtrc.json');
  // The workspace's versions, which a new app takes rather than bringing its own.
  writeJson(tree, 'libs/runtime/package.json', {
    name: '@mcp-fleet/runtime',
    dependencies: { '@modelcontextprotocol/server': '2.4.0', zod: '4.6.7' },
  });
  writeJson(tree, 'libs/testing/package.json', {
    name: '@mcp-fleet/testing',
    dependencies: { '@modelcontextprotocol/client': '2.4.0', '@modelcontextprotocol/sdk': '1.32.2' },
  });
  writeJson(tree, 'apps/text-tools/package.json', { name: 'text-tools', mcpFleet: { port: 3001 } });
  writeJson(tree, 'apps/documents/package.json', { name: 'documents', mcpFleet: { port: 3002 } });
  for (const environment of ['staging', 'production'])
    tree.write(`deploy/environments/${environment}/kustomization.yaml`, fleetEnvironment(environment));
});

const read = (file: string) => tree.read(file, 'utf8')!;
const generate = (options: Parameters<typeof serviceGenerator>[1]) => serviceGenerator(tree, { skipInstall: true, ...options });

describe('service generator', () => {
  it('scaffolds the app: sources, tests, config, deploy on the shared base, and a package.json with no scripts', async () => {
    await generate({ name: 'weather-alerts' });
    for (const file of [
      'src/main.ts',
      'src/service.ts',
      'src/server.ts',
      'src/config.ts',
      'src/tools/greet.ts',
      'src/tools/greet.test.ts',
      'test/integration.test.ts',
      'test/e2e.test.ts',
      'test/contract.test.ts',
      'test/image.test.ts',
      'test/support/harness.ts',
      'config/base.yaml',
      'config/test.yaml',
      'config/production.yaml',
      'deploy/base/kustomization.yaml',
      'deploy/overlays/staging/kustomization.yaml',
      'README.md',
    ]) {
      expect(tree.exists(`apps/weather-alerts/${file}`), file).toBe(true);
    }
    expect(tree.exists('apps/weather-alerts/src/store')).toBe(false);
    const manifest = readJson(tree, 'apps/weather-alerts/package.json');
    expect(manifest).toEqual({
      name: 'weather-alerts',
      version: '0.1.0',
      private: true,
      description: expect.stringContaining('auth: none, database: none'),
      type: 'module',
      dependencies: { '@mcp-fleet/middleware': '*', '@mcp-fleet/runtime': '*', '@modelcontextprotocol/server': '2.4.0', zod: '4.6.7' },
      devDependencies: { '@mcp-fleet/testing': '*', '@modelcontextprotocol/client': '2.4.0', '@modelcontextprotocol/sdk': '1.32.2' },
      mcpFleet: { port: 3003, loadCall: { tool: 'greet', arguments: { name: 'load test' } } },
    });
    expect(parseMcpFleet('weather-alerts', manifest.mcpFleet).problems).toEqual([]);
    expect(read('apps/weather-alerts/config/base.yaml')).toContain('port: 3003');
    expect(read('apps/weather-alerts/deploy/base/kustomization.yaml')).toContain('- name=weather-alerts');
    expect(read('apps/weather-alerts/deploy/base/kustomization.yaml')).not.toContain('patches');
    expect(read('apps/weather-alerts/deploy/base/kustomization.yaml')).toContain('  - monitoring.yaml');
    expect(read('apps/weather-alerts/deploy/base/monitoring.yaml')).toContain('kind: PrometheusRule');
    expect(read('apps/weather-alerts/src/server.ts')).not.toMatch(/access|SCOPES|greetings/);
    expect(tree.children('apps/weather-alerts/deploy/overlays')).toEqual(['staging', 'production']);
    expect(read('apps/weather-alerts/deploy/overlays/production/kustomization.yaml')).toContain(
      'components: [../../../../../deploy/environments/production]',
    );
    expect(readJson(tree, 'apps/weather-alerts/deploy/overlays/staging/server.json').remotes).toEqual([
      { type: 'streamable-http', url: 'https://weather-alerts.staging.example.com/mcp' },
    ]);
  });

  it('with --target lambda, ships as a function only: its Lambda entry and test, its settings, no manifests or alerts', async () => {
    await generate({ name: 'fn', target: 'lambda', auth: 'jwt', database: 'postgres' });
    for (const file of ['src/lambda.ts', 'test/lambda.test.ts', 'src/service.ts', 'src/main.ts', 'test/e2e.test.ts'])
      expect(tree.exists(`apps/fn/${file}`), file).toBe(true);
    expect(tree.exists('apps/fn/deploy')).toBe(false);
    expect(tree.exists('apps/fn/test/image.test.ts')).toBe(false);
    expect(readJson(tree, 'apps/fn/package.json').mcpFleet).toEqual({
      port: 3003,
      auth: 'oauth',
      loadCall: { tool: 'greet', arguments: { name: 'load test' } },
      kubernetes: false,
      lambda: { secrets: { DATABASE_URL: 'mcp-fleet/fn/database-url', AUTH__SECRET: 'mcp-fleet/fn/auth-secret' } },
    });
    expect(parseMcpFleet('fn', readJson(tree, 'apps/fn/package.json').mcpFleet).problems).toEqual([]);
    expect(read('apps/fn/src/lambda.ts')).toContain("createLambdaHandlers(() => defineService({ host: 'lambda' }))");
    expect(read('apps/fn/src/service.ts')).toContain("...(host === 'lambda' ? storageFunctionProblems(config) : [])");
    expect(read('apps/fn/README.md')).toContain('npx nx run fn:build-lambda');
    expect(read('apps/fn/README.md')).not.toContain('kustomize');
  });

  it('with --target both, ships both ways: manifests and alerts, and the Lambda entry with default settings', async () => {
    await generate({ name: 'twice', target: 'both' });
    for (const file of ['src/lambda.ts', 'test/lambda.test.ts', 'deploy/base/kustomization.yaml', 'deploy/base/monitoring.yaml'])
      expect(tree.exists(`apps/twice/${file}`), file).toBe(true);
    expect(readJson(tree, 'apps/twice/package.json').mcpFleet).toMatchObject({ lambda: {} });
    expect(readJson(tree, 'apps/twice/package.json').mcpFleet.kubernetes).toBeUndefined();
    expect(parseMcpFleet('twice', readJson(tree, 'apps/twice/package.json').mcpFleet).problems).toEqual([]);
    await expect(generate({ name: 'bad', target: 'ftp' as 'lambda' })).rejects.toThrow(
      'service: --target must be kubernetes, lambda or both, got "ftp"',
    );
  });

  it('with --auth jwt, verifies tokens and scopes the example tool', async () => {
    await generate({ name: 'secure', auth: 'jwt' });
    expect(read('apps/secure/src/service.ts')).toContain('authenticate: createTokenVerifier(tokens)');
    expect(read('apps/secure/src/server.ts')).toContain('_meta: access({ scopes: [SCOPES.greet] })');
    expect(read('apps/secure/src/config.ts')).toContain("auth: authConfigSchema('secure')");
    expect(read('apps/secure/deploy/base/kustomization.yaml')).toContain('key: auth-secret');
  });

  it('with --database postgres, wires the repository, its migration and the storage lib', async () => {
    await generate({ name: 'notes', database: 'postgres' });
    expect(read('apps/notes/src/store/migrations.ts')).toContain('create table greetings');
    expect(read('apps/notes/src/service.ts')).toContain('await Greetings.open(await openDatabase(config, storage))');
    expect(read('apps/notes/vitest.config.ts')).toContain("globalSetup: 'test/global-setup.ts'");
    expect(readJson(tree, 'apps/notes/package.json').dependencies['@mcp-fleet/storage']).toBe('*');
    expect(read('apps/notes/config/base.yaml')).toContain('dataDir: .data/notes');
    expect(read('apps/notes/deploy/base/kustomization.yaml')).toContain('key: database-url');
  });

  it("takes --port, and picks the next free port after the other apps' when it is absent", async () => {
    await generate({ name: 'first', port: 4100 });
    await generate({ name: 'second' });
    expect(readJson(tree, 'apps/first/package.json').mcpFleet.port).toBe(4100);
    expect(readJson(tree, 'apps/second/package.json').mcpFleet.port).toBe(4101);
  });

  it.each([
    [{ name: 'Weather_Alerts' }, 'the name must be a DNS label'],
    [{ name: '9lives' }, 'the name must be a DNS label'],
    [{ name: 'text-tools' }, 'apps/text-tools already exists'],
    [{ name: 'fine', port: 3002 }, "port 3002 is documents's"],
    [{ name: 'fine', port: 80 }, '--port must be a whole number from 1024 to 65535'],
    [{ name: 'fine', auth: 'oauth' as 'jwt' }, '--auth must be none or jwt, got "oauth"'],
    [{ name: 'fine', database: 'mysql' as 'postgres' }, '--database must be none or postgres, got "mysql"'],
  ])('refuses %j, saying why, and writes nothing', async (options, message) => {
    const before = tree.listChanges().length;
    await expect(generate(options)).rejects.toThrow(message);
    expect(tree.listChanges().length).toBe(before);
  });

  it('refuses a name another project has', async () => {
    addProjectConfiguration(tree, 'runtime', { root: 'libs/runtime' });
    await expect(generate({ name: 'runtime' })).rejects.toThrow('a project named "runtime" exists already (libs/runtime)');
  });
});
