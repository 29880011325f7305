import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { afterAll, describe, expect, it } from 'vitest';

// text-tools' sources, copied beside the fixtures (inside the workspace, so that its imports resolve as the app's do).
const root = join(import.meta.dirname, '..', '..');
const app = mkdtempSync(join(import.meta.dirname, 'test', 'fixtures', 'tmp-lambda-'));
for (const entry of ['src', 'config', 'package.json', 'tsconfig.json'])
  cpSync(join(root, 'apps', 'text-tools', entry), join(app, entry), { recursive: true });
const unpacked = mkdtempSync(join(tmpdir(), 'lambda-zip-'));
afterAll(() => {
  rmSync(app, { recursive: true, force: true });
  rmSync(unpacked, { recursive: true, force: true });
});
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('build-lambda', () => {
  it('zips one bundle with every package inlined and the config beside it, the same bytes from the same sources', async () => {
    const first = await runScript(import.meta.dirname, 'build-lambda.ts', [app]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/build-lambda: .*dist\/lambda\.zip \(\d+ KiB zipped; app\/index\.mjs \d+ KiB, 6 files\) in \d+ ms/);
    const zip = join(app, 'dist', 'lambda.zip');
    const listing = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
    expect(listing).toEqual([
      'app/index.mjs',
      'app/index.mjs.map',
      'config/base.yaml',
      'config/development.yaml',
      'config/production.yaml',
      'config/test.yaml',
    ]);
    const digest = sha(zip);
    expect((await runScript(import.meta.dirname, 'build-lambda.ts', [app])).code).toBe(0);
    expect(sha(zip)).toBe(digest);
  });

  it('runs unpacked far from any node_modules, as Lambda runs it: init, then both eras answered', async () => {
    execFileSync('unzip', ['-q', join(app, 'dist', 'lambda.zip'), '-d', unpacked]);
    const driver = join(import.meta.dirname, 'lambda-driver.mjs');
    const output = execFileSync(process.execPath, [driver, unpacked, '4'], {
      encoding: 'utf8',
      env: { ...process.env, MCP_ENV: 'production', LOG_LEVEL: 'warn' },
    });
    const measured = JSON.parse(output.split('\n').find((line) => line.startsWith('{"initCpuMs"'))!) as Record<string, number>;
    expect(Object.keys(measured)).toEqual(['initCpuMs', 'modernCpuUs', 'legacyCpuUs']);
  });

  it('prints its usage for --help, and exits 2 naming an app without src/lambda.ts', async () => {
    const help = await runScript(import.meta.dirname, 'build-lambda.ts', ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: npx mcp-fleet-build-lambda [app-dir]');
    const missing = await runScript(import.meta.dirname, 'build-lambda.ts', [mkdtempSync(join(tmpdir(), 'not-a-function-'))]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/src\/lambda\.ts does not exist; an app that ships as a function has src\/lambda\.ts/);
  });
});
