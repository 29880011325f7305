import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const script = join(import.meta.dirname, 'build-app.ts');
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

describe('build-app', () => {
  it('bundles src/main.ts into a runnable dist/main.js with a source map, npm packages left external', () => {
    const app = mkdtempSync(join(import.meta.dirname, 'test', 'fixtures', 'tmp-'));
    cpSync(join(import.meta.dirname, 'test', 'fixtures', 'tiny-app'), app, { recursive: true });
    try {
      const output = execFileSync(tsx, [script, app], { encoding: 'utf8' });
      expect(output).toMatch(/build-app: .*dist\/main\.js \(\d+ KiB\) in \d+ ms/);
      expect(existsSync(join(app, 'dist', 'main.js.map'))).toBe(true);
      const bundle = readFileSync(join(app, 'dist', 'main.js'), 'utf8');
      expect(bundle).toMatch(/from "yaml"/);
      expect(execFileSync(process.execPath, [join(app, 'dist', 'main.js')], { encoding: 'utf8' }).trim()).toBe('{"answer":42}');
    } finally {
      execFileSync('rm', ['-rf', app]);
    }
  });

  it('prints its usage for --help and exits 0', () => {
    const run = spawnSync(tsx, [script, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: tsx tools/scripts/build-app.ts [app-dir]');
  });

  it('exits 2 naming a folder without src/main.ts', () => {
    const run = spawnSync(tsx, [script, mkdtempSync(join(tmpdir(), 'not-an-app-'))], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/src\/main\.ts does not exist; pass an app folder such as apps\/text-tools/);
  });
});
