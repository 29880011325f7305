import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closureProblems, installedPackages, packageOf, runtimeClosure, runtimeManifest, type Lockfile } from './runtime-closure';

/** A lockfile as npm lays out a workspace: hoisted packages, one nested version, optional, peers, a workspace link. */
const lock: Lockfile = {
  lockfileVersion: 3,
  packages: {
    '': { name: 'ws' },
    'node_modules/server': { version: '2.0.0', dependencies: { zod: '^4', ajv: '^8' }, peerDependencies: { zod: '*', express: '*' }, peerDependenciesMeta: { express: { optional: true } } },
    'node_modules/zod': { version: '4.0.0', dev: true },
    'node_modules/ajv': { version: '8.0.0', dependencies: { 'fast-uri': '^3' }, optionalDependencies: { '@ajv/native-linux': '1', '@ajv/native-mac': '1' } },
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
    expect(() => runtimeClosure(lock, ['@mcp-fleet/testing'])).toThrow('@mcp-fleet/testing (needed by the bundle) is a workspace link (node_modules/@mcp-fleet/testing); a workspace library must be bundled');
    expect(() => runtimeClosure(lock, ['only-here'], 'apps/x')).toThrow('only-here is installed under apps/x/node_modules/only-here, inside a workspace folder');
  });
});

describe('runtimeManifest', () => {
  it('pins the imported packages at their locked versions and keeps no dev flag', () => {
    const { packageJson, packageLock } = runtimeManifest('app', '1.2.3', lock, ['server']);
    expect(packageJson).toEqual({ name: 'app-runtime', version: '1.2.3', private: true, type: 'module', dependencies: { server: '2.0.0' } });
    expect(packageLock.packages['']).toEqual({ name: 'app-runtime', version: '1.2.3', dependencies: { server: '2.0.0' } });
    expect(packageLock.packages['node_modules/zod']).toEqual({ version: '4.0.0' });
  });
});

describe('installedPackages', () => {
  it('lists every package folder, scoped and nested ones included, with its version', () => {
    const root = mkdtempSync(join(tmpdir(), 'installed-'));
    try {
      const add = (path: string, version: string) => {
        mkdirSync(join(root, path), { recursive: true });
        writeFileSync(join(root, path, 'package.json'), JSON.stringify({ version }));
      };
      add('node_modules/ajv', '8.0.0');
      add('node_modules/ajv/node_modules/fast-uri', '3.1.0');
      add('node_modules/@ajv/native-linux', '1.0.0');
      mkdirSync(join(root, 'node_modules', '.bin'));
      expect(installedPackages(root)).toEqual(
        new Map([
          ['node_modules/@ajv/native-linux', '1.0.0'],
          ['node_modules/ajv', '8.0.0'],
          ['node_modules/ajv/node_modules/fast-uri', '3.1.0'],
        ]),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('closureProblems', () => {
  it('names an extra package, a missing one and another version; an optional one may be missing', () => {
    const expected = runtimeClosure(lock, ['server']);
    const installed = new Map([...expected].map(([path, entry]) => [path, entry.version!]));
    installed.delete('node_modules/@ajv/native-linux');
    expect(closureProblems(expected, installed)).toEqual([]);
    installed.set('node_modules/zod', '4.0.1');
    installed.set('node_modules/vitest', '4.1.12');
    installed.delete('node_modules/ajv');
    expect(closureProblems(expected, installed)).toEqual([
      'node_modules/zod is 4.0.1, the lockfile says 4.0.0',
      'node_modules/vitest@4.1.12 is installed but nothing the bundle imports needs it',
      'node_modules/ajv@8.0.0 is needed but not installed',
    ]);
  });
});
