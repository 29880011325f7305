import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { e2eProjectConfig, projectConfig, scriptsProjectConfig } from './index.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('projectConfig', () => {
  it("gates coverage at the root's .c8rc.json thresholds, the ones c8 gates the e2e runs with", () => {
    const c8rc = JSON.parse(readFileSync(join(root, '.c8rc.json'), 'utf8')) as Record<string, unknown>;
    const { coverage } = projectConfig({ exclude: ['src/generated.ts'] }).test!;
    expect(coverage).toMatchObject({
      enabled: true,
      thresholds: { lines: c8rc.lines, branches: c8rc.branches, functions: c8rc.functions, statements: c8rc.statements },
    });
    expect((coverage as { exclude: string[] }).exclude).toEqual(['src/**/*.test.ts', 'src/main.ts', 'src/generated.ts']);
  });

  it("runs a tool's tests beside its scripts, with cli-kit's global setup that bundles them", () => {
    const { test } = scriptsProjectConfig();
    expect(test!.include).toEqual(['*.test.ts', 'src/**/*.test.ts']);
    expect(test!.globalSetup).toBe(join(root, 'tools', 'cli-kit', 'testing', 'global-setup.ts'));
  });

  it("runs an e2e project's tests at its root, without a coverage gate of its own", () => {
    const { test } = e2eProjectConfig();
    expect(test!.include).toEqual(['*.test.ts']);
    expect(test!.coverage).toMatchObject({ enabled: false });
  });

  it('refuses to load on another Node than MCP_FLEET_EXPECT_NODE_MAJOR names (the Node 24 tier on Node 20 fails)', async () => {
    const load = (major: string) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '-e', `await import(${JSON.stringify(join(import.meta.dirname, 'index.js'))})`],
        {
          env: { ...process.env, MCP_FLEET_EXPECT_NODE_MAJOR: major },
          encoding: 'utf8',
        },
      ).then(
        () => 'loaded',
        (error: { stderr: string }) => error.stderr,
      );
    expect(await load(process.versions.node.split('.')[0]!)).toBe('loaded');
    expect(await load('7')).toContain(`MCP_FLEET_EXPECT_NODE_MAJOR=7, but these tests run on Node ${process.version}`);
  });
});
