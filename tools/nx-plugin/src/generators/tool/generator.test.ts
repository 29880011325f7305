import { writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { fleetEnvironment } from '../testing';
import serviceGenerator from '../service/generator';
import toolGenerator from './generator';

let tree: Tree;
beforeEach(async () => {
  tree = createTreeWithEmptyWorkspace();
  // This workspace has no formatter; the empty workspace's oxfmt config would make formatFiles look for one.
  tree.delete('.oxfmtrc.json');
  writeJson(tree, 'libs/runtime/package.json', {
    name: '@mcp-fleet/runtime',
    dependencies: {
      '@modelcontextprotocol/server': '2.4.0',
      zod: '4.6.7',
      '@modelcontextprotocol/client': '2.4.0',
      '@modelcontextprotocol/sdk': '1.32.2',
    },
  });
  tree.write('deploy/environments/staging/kustomization.yaml', fleetEnvironment('staging'));
  await serviceGenerator(tree, { name: 'weather', skipInstall: true });
  // What the plugin infers from apps/weather/package.json, which a virtual tree has no plugins to do.
  writeJson(tree, 'apps/weather/project.json', { name: 'weather', root: 'apps/weather' });
});

const server = () => tree.read('apps/weather/src/server.ts', 'utf8')!;

describe('tool generator', () => {
  it('adds the handler, its unit and integration tests, and registers it after the other tools', async () => {
    await toolGenerator(tree, { name: 'get_forecast', project: 'weather' });
    expect(tree.read('apps/weather/src/tools/get-forecast.ts', 'utf8')).toContain('export async function getForecast({ input }');
    expect(tree.exists('apps/weather/src/tools/get-forecast.test.ts')).toBe(true);
    expect(tree.read('apps/weather/test/get-forecast.test.ts', 'utf8')).toContain("callTool({ name: 'get_forecast'");
    expect(server()).toContain("import { getForecast, getForecastInput } from './tools/get-forecast';");
    expect(server().indexOf("'get_forecast'")).toBeGreaterThan(server().indexOf("'greet'"));
    expect(server()).toMatch(/async \(input\) => textResult\(await getForecast\(input\)\),\n {2}\);\n\n {2}return server;\n\}/);
  });

  it.each([
    [{ name: 'get forecast', project: 'weather' }, '"get forecast" is not an MCP tool name'],
    [{ name: 'x'.repeat(129), project: 'weather' }, 'is not an MCP tool name'],
    [{ name: 'greet', project: 'weather' }, 'weather already has a tool "greet"'],
    [{ name: 'get_forecast', project: 'nowhere' }, 'there is no project "nowhere"; the apps are: weather'],
  ])('refuses %j, saying why, and writes nothing', async (options, message) => {
    const before = server();
    await expect(toolGenerator(tree, options)).rejects.toThrow(message);
    expect(server()).toBe(before);
    expect(tree.exists('apps/weather/src/tools/get-forecast.ts')).toBe(false);
  });

  it('refuses an app it cannot register a tool in, or test it through', async () => {
    tree.delete('apps/weather/test/support/harness.ts');
    await expect(toolGenerator(tree, { name: 'get_forecast', project: 'weather' })).rejects.toThrow(
      'apps/weather/test/support/harness.ts is missing',
    );
    tree.write('apps/weather/src/server.ts', 'export const nothing = 1;\n');
    await expect(toolGenerator(tree, { name: 'get_forecast', project: 'weather' })).rejects.toThrow(
      'has no createServer() ending in "return server;"',
    );
  });
});
