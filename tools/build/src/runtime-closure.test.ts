import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleApp } from './bundle';
import { appRuntimeManifest, packageOf, runtimeClosure, runtimeManifest, type Lockfile } from './runtime-closure';

/** A lockfile as npm lays out a workspace: hoisted packages, one nested version, optional, peers, a workspace link. */
const lock: Lockfile = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'ws' },
    'node_modules/server': {
      version: '2.0.0',
      dependencies: { zod: '^4', ajv: '^8' },
      peerDependencies: { zod: '*', express: '*' },
      peerDependenciesMeta: { express: { optional: true } },
    },
    'node_modules/zod': { version: '4.0.0', dev: true },
    'node_modules/ajv': {
      version: '8.0.0',
      dependencies: { 'fast-uri': '^3' },
      optionalDependencies: { '@ajv/native-linux': '1', '@ajv/native-mac': '1' },
    },
    'node_modules/ajv/node_modules/fast-uri': { version: '3.1.0' },
    'node_modules/fast-uri': { version: '2.0.0' },
    'node_modules/@ajv/native-linux': { version: '1.0.0', optional: true },
    'node_modules/@mcp-fleet/testing': { link: true },
    'apps/x/node_modules/only-here': { version: '1.0.0' },
    'node_modules/broken': { version: '1.0.0', dependencies: { missing: '1' } },
  },
};

describe('packageOf', () => {
  it.each([
    ['pg', 'pg'],
    ['pg/lib/client.js', 'pg'],
    ['@modelcontextprotocol/server/stdio', '@modelcontextprotocol/server'],
    ['node:http', undefined],
    ['./local.js', undefined],
  ])('%s is %s', (specifier, name) => {
    expect(packageOf(specifier)).toBe(name);
  });
});

describe('runtimeClosure', () => {
  it('resolves as Node does (a nested version first), takes optional and required peers, and leaves optional peers out', () => {
    expect([...runtimeClosure(lock, ['server']).keys()].sort()).toEqual([
      'node_modules/@ajv/native-linux',
      'node_modules/ajv',
      'node_modules/ajv/node_modules/fast-uri',
      'node_modules/server',
      'node_modules/zod',
    ]);
  });

  it('names what is wrong: a missing package, a workspace link, a package only under a workspace folder', () => {
    expect(() => runtimeClosure(lock, ['broken'])).toThrow('missing (needed by broken) is not in package-lock.json; run npm install');
    expect(() => runtimeClosure(lock, ['@mcp-fleet/testing'])).toThrow(
      '@mcp-fleet/testing (needed by the bundle) is a workspace link (node_modules/@mcp-fleet/testing); a workspace library must be bundled',
    );
    expect(() => runtimeClosure(lock, ['only-here'], 'apps/x')).toThrow(
      'only-here is installed under apps/x/node_modules/only-here, inside a workspace folder',
    );
  });
});

describe('runtimeManifest', () => {
  it('pins the imported packages at their locked versions and keeps no dev flag', () => {
    const { packageJson, packageLock } = runtimeManifest('app', '1.2.3', lock, ['server']);
    expect(packageJson).toEqual({
      name: 'app-runtime',
      version: '1.2.3',
      private: true,
      type: 'module',
      dependencies: { server: '2.0.0' },
    });
    expect(packageLock.packages['']).toEqual({ name: 'app-runtime', version: '1.2.3', dependencies: { server: '2.0.0' } });
    expect(packageLock.packages['node_modules/zod']).toEqual({ version: '4.0.0' });
  });
});

describe('appRuntimeManifest', () => {
  it("is the bundle's imports and their closure in the workspace's lockfile, under the app's name", async () => {
    // Inside the workspace, as an app is: the lockfile is found above it.
    const app = mkdtempSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'tmp-'));
    cpSync(join(import.meta.dirname, '..', 'test', 'fixtures', 'tiny-app'), app, { recursive: true });
    try {
      const manifest = appRuntimeManifest(app, await bundleApp(app));
      expect(manifest.imports).toEqual(['yaml']);
      expect(manifest.packageJson).toMatchObject({ type: 'module', dependencies: { yaml: expect.stringMatching(/^\d+\.\d+\.\d+$/) } });
      expect(Object.keys(manifest.packageLock.packages)).toEqual(['', 'node_modules/yaml']);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('says where to run npm install when no lockfile is above the app', () => {
    expect(() => appRuntimeManifest('/', { inputs: {}, outputs: {} })).toThrow(
      'no package-lock.json above /; run npm install in the workspace',
    );
  });
});
