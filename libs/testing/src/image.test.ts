import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importedPackages, installedPackages, reachedPackages } from './image';

const dir = mkdtempSync(join(tmpdir(), 'image-closure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const install = (path: string, manifest: object = {}) => {
  mkdirSync(join(dir, path), { recursive: true });
  writeFileSync(join(dir, path, 'package.json'), JSON.stringify({ name: path.split('node_modules/').pop(), ...manifest }));
};
// a needs b (hoisted) and d (its own, nested) and an optional e that is not installed; @s/p peers on b;
// c is installed but nothing reaches it.
install('node_modules/a', { dependencies: { b: '1', d: '2' }, optionalDependencies: { e: '1' } });
install('node_modules/b');
install('node_modules/a/node_modules/d', { dependencies: { b: '1' } });
install('node_modules/d');
install('node_modules/@s/p', { peerDependencies: { b: '*', q: '*' }, peerDependenciesMeta: { q: { optional: true } } });
install('node_modules/c');

describe('importedPackages', () => {
  it('names each package a bundle imports, without builtins, relative paths or subpaths', () => {
    const code =
      'import { a } from "a";\nimport * as s from "@s/p/sub";\nimport "node:fs";\nimport x from "./local.js";\nconst m = await import("zod");\nvar r = __require("pg");\nimport { join } from "path";';
    expect(importedPackages(code)).toEqual(['@s/p', 'a', 'pg', 'zod']);
  });
});

describe('reachedPackages', () => {
  it("follows Node's lookup (a nested copy first), dependencies, installed optional ones and peers", () => {
    expect(installedPackages(dir).sort()).toEqual(
      ['node_modules/@s/p', 'node_modules/a', 'node_modules/a/node_modules/d', 'node_modules/b', 'node_modules/c', 'node_modules/d'].sort(),
    );
    const { reached, missing } = reachedPackages(dir, ['a', '@s/p']);
    expect([...reached].sort()).toEqual(['node_modules/@s/p', 'node_modules/a', 'node_modules/a/node_modules/d', 'node_modules/b'].sort());
    expect(missing).toEqual([]);
  });

  it('names a required package that is not installed, and who needs it', () => {
    expect(reachedPackages(dir, ['a', 'zod']).missing).toEqual(['zod (needed by the bundle)']);
    install('node_modules/f', { dependencies: { g: '1' } });
    expect(reachedPackages(dir, ['f']).missing).toEqual(['g (needed by node_modules/f)']);
  });
});
