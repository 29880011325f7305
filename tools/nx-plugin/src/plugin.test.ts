import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateNodesContextV2 } from '@nx/devkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodesV2, MARKER } from './plugin';
import { FORMAT_CHECK } from './targets';

// The targets an app is expected to get, in order, written out here rather than read from targets.ts.
const EVERY_APP = 'build serve test check lint typecheck load soak'.split(' ');
const ON_KUBERNETES = ['image', 'deploy'];
const AS_FUNCTION = ['build-lambda', 'synth'];

const workspace = mkdtempSync(join(tmpdir(), 'plugin-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
const write = (file: string, content: string) => {
  mkdirSync(dirname(join(workspace, file)), { recursive: true });
  writeFileSync(join(workspace, file), content);
};
const context: CreateNodesContextV2 = { nxJsonConfiguration: {}, workspaceRoot: workspace };

write('apps/weather/package.json', JSON.stringify({ name: 'weather', mcpFleet: { port: 3005 } }));
write('apps/weather/src/main.ts', '');
write('apps/not-mcp/package.json', JSON.stringify({ name: 'not-mcp' }));
write('apps/not-mcp/src/main.ts', '');
write('apps/both/package.json', JSON.stringify({ name: 'both', mcpFleet: { port: 3006, lambda: {} } }));
write('apps/both/src/main.ts', '');
write(
  'apps/fn-only/package.json',
  JSON.stringify({ name: 'fn-only', mcpFleet: { port: 3007, kubernetes: false, lambda: { memoryMb: 512 } } }),
);
write('apps/fn-only/src/main.ts', '');
write('apps/half-made/package.json', JSON.stringify({ name: 'half-made', mcpFleet: {} }));
write('libs/cache/package.json', JSON.stringify({ name: '@x/cache', nx: { name: 'cache', tags: ['type:lib'] } }));
write('tools/odd/package.json', JSON.stringify({ name: '@x/odd', nx: { name: 'odd' }, scripts: { test: 'node run-my-tests.js' } }));
write('libs/not-nx/package.json', JSON.stringify({ name: 'not-nx' }));
const files = [
  'apps/weather/package.json',
  'apps/both/package.json',
  'apps/fn-only/package.json',
  'apps/not-mcp/package.json',
  'apps/half-made/package.json',
  'libs/cache/package.json',
  'tools/odd/package.json',
  'libs/not-nx/package.json',
];

const infer = async (options = {}) => {
  const results = await createNodesV2[1](files, options, context);
  return Object.fromEntries(results.map(([file, result]) => [file, result.projects ?? {}]));
};

describe('createNodesV2', () => {
  it('marks projects by their package.json', () => {
    expect(MARKER).toBe('{apps,libs,tools}/*/package.json');
  });

  it('stops at an app whose mcpFleet entry is wrong, naming the key, the value and the fix', async () => {
    write('apps/typo/package.json', JSON.stringify({ name: 'typo', mcpFleet: { port: 3008, lambda: { maxErrorRatio: 0.01 } } }));
    write('apps/typo/src/main.ts', '');
    // Nx gathers each file's error and prints it under the file's name.
    const failed = await (async () => createNodesV2[1](['apps/typo/package.json'], {}, context))().catch(
      (error: { errors: [string, Error][] }) => error.errors,
    );
    expect(failed).toEqual([
      [
        'apps/typo/package.json',
        new Error(
          'apps/typo/package.json mcpFleet.lambda.maxErrorRatio is now mcpFleet.lambda.maxErrorPercent, in percent: 1 for the old 0.01; rename it',
        ),
      ],
    ]);
  });

  it('gives every library and tool the checks as commands, leaving its name and tags to its package.json; a script of the same name wins', async () => {
    const projects = await infer();
    expect(projects['libs/cache/package.json']).toEqual({
      'libs/cache': {
        root: 'libs/cache',
        targets: {
          lint: { executor: 'nx:run-commands', options: { command: `eslint . && ${FORMAT_CHECK}`, cwd: '{projectRoot}' }, cache: true },
          typecheck: { executor: 'nx:run-commands', options: { command: 'tsgo -p tsconfig.json', cwd: '{projectRoot}' }, cache: true },
          test: { executor: 'nx:run-commands', options: { command: 'vitest run', cwd: '{projectRoot}' }, cache: true },
        },
      },
    });
    expect(Object.keys(projects['tools/odd/package.json']!['tools/odd']!.targets!)).toEqual(['lint', 'typecheck']);
    expect(projects['libs/not-nx/package.json']).toEqual({});
  });

  it('gives an app with an mcpFleet entry its name, tag and ten targets, and nothing to other folders', async () => {
    const projects = await infer();
    expect(projects['apps/not-mcp/package.json']).toEqual({});
    expect(projects['apps/half-made/package.json']).toEqual({});
    const weather = projects['apps/weather/package.json']!['apps/weather']!;
    expect(weather).toMatchObject({ name: 'weather', projectType: 'application', tags: ['type:app'] });
    expect(Object.keys(weather.targets!)).toEqual([...EVERY_APP, ...ON_KUBERNETES]);
  });

  it('infers what Nx needs to cache and order each target', async () => {
    const { build, serve, test, check, image, deploy } = (await infer())['apps/weather/package.json']!['apps/weather']!.targets!;
    // The fleet's rules per app, cached on what they read of that app: its deploy/ is its own input, no tool's.
    expect(check).toMatchObject({
      executor: '@mcp-fleet/nx-plugin:app-checks',
      cache: true,
      inputs: expect.arrayContaining(['{projectRoot}/deploy/**/*', '{workspaceRoot}/deploy/**/*']),
    });
    expect(build).toMatchObject({ cache: true, dependsOn: ['^build'], options: { command: 'mcp-fleet-build', cwd: '{projectRoot}' } });
    // Its own files, not dist/: restoring it from the cache must not take the function's bundle away.
    expect(build!.outputs).toEqual([
      '{projectRoot}/dist/main.js',
      '{projectRoot}/dist/main.js.map',
      '{projectRoot}/dist/package.json',
      '{projectRoot}/dist/package-lock.json',
    ]);
    expect(serve).toMatchObject({ dependsOn: ['build'], continuous: true });
    expect(test).toMatchObject({
      cache: true,
      dependsOn: ['build'],
      inputs: [
        'default',
        '^production',
        'testEnvironment',
        '{workspaceRoot}/deploy/**/*',
        '{workspaceRoot}/tools/build/smoke.ts',
        '{workspaceRoot}/tools/build/src/smoke.ts',
      ],
      outputs: ['{projectRoot}/coverage'],
    });
    expect(deploy).toMatchObject({ options: { command: 'mcp-fleet-deploy --app weather' } });
    expect(deploy!.cache).toBeUndefined();
    // The shared Dockerfile is an input of every app's image: nx affected lists every app when it changes.
    expect(image!.inputs).toEqual(
      expect.arrayContaining(['{workspaceRoot}/deploy/Dockerfile', '{workspaceRoot}/deploy/Dockerfile.dockerignore']),
    );
  });

  it("gives an app with mcpFleet.lambda the function's targets, and one with kubernetes: false no image or deploy", async () => {
    const projects = await infer();
    const both = projects['apps/both/package.json']!['apps/both']!.targets!;
    expect(Object.keys(both)).toEqual([...EVERY_APP, ...ON_KUBERNETES, ...AS_FUNCTION]);
    expect(both['build-lambda']).toMatchObject({ cache: true, outputs: ['{projectRoot}/dist/lambda', '{projectRoot}/dist/lambda.zip'] });
    expect(both.synth).toMatchObject({ dependsOn: ['build-lambda'], options: { command: 'mcp-fleet-synth --app both' } });
    expect(Object.keys(projects['apps/fn-only/package.json']!['apps/fn-only']!.targets!)).toEqual([...EVERY_APP, ...AS_FUNCTION]);
  });

  it('takes other target names from the plugin options', async () => {
    const weather = (await infer({ targetNames: { typecheck: 'tsc', serve: 'dev' } }))['apps/weather/package.json']!['apps/weather']!;
    expect(Object.keys(weather.targets!)).toEqual(['build', 'dev', 'test', 'check', 'lint', 'tsc', 'load', 'soak', 'image', 'deploy']);
  });
});
