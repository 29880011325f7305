import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { describe, expect, it } from 'vitest';

describe('build-app', () => {
  it('bundles src/main.ts into a runnable dist/main.js with a source map, npm packages left external', async () => {
    const app = mkdtempSync(join(import.meta.dirname, 'test', 'fixtures', 'tmp-'));
    cpSync(join(import.meta.dirname, 'test', 'fixtures', 'tiny-app'), app, { recursive: true });
    try {
      const run = await runScript(import.meta.dirname, 'build-app.ts', [app]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/build-app: .*dist\/main\.js \(\d+ KiB\) in \d+ ms/);
      expect(existsSync(join(app, 'dist', 'main.js.map'))).toBe(true);
      const bundle = readFileSync(join(app, 'dist', 'main.js'), 'utf8');
      expect(bundle).toMatch(/from "yaml"/);
      // What the image installs: the one package the bundle imports, at the workspace's version, and nothing else.
      const runtime = JSON.parse(readFileSync(join(app, 'dist', 'package.json'), 'utf8')) as {
        type: string;
        dependencies: Record<string, string>;
      };
      expect(runtime).toMatchObject({ type: 'module', dependencies: { yaml: expect.stringMatching(/^\d+\.\d+\.\d+$/) } });
      expect(Object.keys(runtime.dependencies)).toEqual(['yaml']);
      expect(
        Object.keys((JSON.parse(readFileSync(join(app, 'dist', 'package-lock.json'), 'utf8')) as { packages: object }).packages),
      ).toEqual(['', 'node_modules/yaml']);
      expect(execFileSync(process.execPath, [join(app, 'dist', 'main.js')], { encoding: 'utf8' }).trim()).toBe('{"answer":42}');
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it('prints its usage for --help and exits 0', async () => {
    const run = await runScript(import.meta.dirname, 'build-app.ts', ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: npx mcp-fleet-build [app-dir]');
  });

  it('exits 2 naming a folder without src/main.ts', async () => {
    const run = await runScript(import.meta.dirname, 'build-app.ts', [mkdtempSync(join(tmpdir(), 'not-an-app-'))]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/src\/main\.ts does not exist; pass an app folder such as apps\/text-tools/);
  });
});
