// The generator end to end, as a user runs it: in a copy of this workspace, `nx g` makes an app for every
// combination of --auth and --database (and of --target: kubernetes, both, lambda), then the new apps' own lint and
// typecheck targets, and the test target (coverage gates, e2e and contract tests included) of the corner apps,
// must pass with no edit; affected-apps must list them for the deploy matrix, and their manifests must keep the
// fleet's rules.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readApp, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { appProblems, portClashes } from '@mcp-fleet/nx-plugin/app-checks';
import { promtoolRuleChecks } from '@mcp-fleet/nx-plugin/monitoring';

const root = workspaceRoot();
const COMBINATIONS = [
  { auth: 'none', database: 'none', target: 'kubernetes', app: 'gen-none-none' },
  { auth: 'jwt', database: 'none', target: 'kubernetes', app: 'gen-jwt-none' },
  { auth: 'none', database: 'postgres', target: 'kubernetes', app: 'gen-none-postgres' },
  { auth: 'jwt', database: 'postgres', target: 'both', app: 'gen-jwt-postgres' },
  { auth: 'none', database: 'none', target: 'lambda', app: 'gen-fn' },
] as const;
const apps = COMBINATIONS.map(({ app }) => app);
// The corners run every branch of the templates and their interaction: gen-none-none has no option,
// gen-jwt-postgres every one (both targets, and the tool generator's output), gen-fn a function only. The two
// mixed apps only combine blocks the corners run, so their own lint and typecheck catch a template that renders
// wrong for them; running their tests too would re-run the same code for minutes of CPU.
const TESTED = ['gen-none-none', 'gen-jwt-postgres', 'gen-fn'];
const ON_KUBERNETES = COMBINATIONS.filter(({ target }) => target !== 'lambda').map(({ app }) => app);
// Generating and testing four apps is minutes of work on a loaded 2-core machine: a ceiling, not an expectation.
const CEILING_MS = 900_000;

let workspace: string;
// NX_ISOLATE_PLUGINS=false: plugins load in nx's own process instead of a worker process each (half of an nx
// start's CPU); the only plugin here is our own.
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_ISOLATE_PLUGINS: 'false',
  NX_SKIP_NX_CACHE: 'true',
  NX_TUI: 'false',
  CI: 'true',
  FORCE_COLOR: '0',
  NO_COLOR: '1',
};
const git = (...args: string[]) => execFileSync('git', args, { cwd: workspace, encoding: 'utf8' }).trim();

/** A command in the copy, asynchronously (its output kept for the failure message); resolves with its exit code. */
function run(command: string, args: string[]): Promise<{ code: number; output: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    child.on('close', (code) => resolve({ code: code ?? 1, output, ms: performance.now() - started }));
  });
}
const nxBin = createRequire(join(root, 'package.json')).resolve('nx/bin/nx.js');
const nx = (...args: string[]) => run(process.execPath, [nxBin, ...args]);

beforeAll(() => {
  // The workspace as a clone has it (tracked and new files, nothing ignored), with this node_modules linked in.
  workspace = mkdtempSync(join(tmpdir(), 'generate-e2e-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(workspace, file)), { recursive: true });
    cpSync(join(root, file), join(workspace, file));
  }
  symlinkSync(join(root, 'node_modules'), join(workspace, 'node_modules'));
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'workspace');
});
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('nx g @mcp-fleet/nx-plugin:service, in a copy of this workspace', () => {
  it(
    'makes an app for every --auth and --database that lints and type-checks, and whose corners pass their tests, with no edit',
    { timeout: CEILING_MS },
    async () => {
      for (const { auth, database, target, app } of COMBINATIONS) {
        // --skipInstall: npm install would write into the node_modules this copy borrows; the lockfile is updated below.
        const generated = await nx(
          'g',
          '@mcp-fleet/nx-plugin:service',
          app,
          '--auth',
          auth,
          '--database',
          database,
          '--target',
          target,
          '--skipInstall',
        );
        expect(generated.code, generated.output).toBe(0);
      }
      const tool = await nx('g', '@mcp-fleet/nx-plugin:tool', 'get_forecast', '--project', 'gen-jwt-postgres');
      expect(tool.code, tool.output).toBe(0);

      const locked = await run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund']);
      expect(locked.code, locked.output).toBe(0);
      const lock = JSON.parse(readFileSync(join(workspace, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
      for (const app of apps) expect(lock.packages[`apps/${app}`], app).toBeDefined();

      const checked = await nx('run-many', '-t', 'lint', 'typecheck', '-p', apps.join(','), '--parallel=2', '--output-style=static');
      expect(checked.code, checked.output.slice(-6000)).toBe(0);
      expect(checked.output).toContain(`Successfully ran targets lint, typecheck for ${apps.length} projects`);
      const tested = await nx('run-many', '-t', 'test', '-p', TESTED.join(','), '--parallel=2', '--output-style=static');
      expect(tested.code, tested.output.slice(-6000)).toBe(0);
      expect(tested.output).toContain(`Successfully ran target test for ${TESTED.length} projects`);
      console.log(
        `generated ${apps.length} apps; lint and typecheck of all: ${(checked.ms / 1000).toFixed(1)} s; test of ${TESTED.join(', ')}: ${(tested.ms / 1000).toFixed(1)} s`,
      );
    },
  );

  it('lists the new apps for the deploy matrix, and renders their manifests within the fleet rules', { timeout: CEILING_MS }, async () => {
    const base = git('rev-parse', 'HEAD');
    git('add', '-A');
    git('-c', 'user.email=e2e@example.com', '-c', 'user.name=e2e', 'commit', '-qm', 'generated');
    const listed = await run(process.execPath, [
      createRequire(join(root, 'package.json')).resolve('tsx/cli'),
      join(workspace, 'tools', 'ci', 'affected-apps.ts'),
      '--base',
      base,
      '--head',
      'HEAD',
    ]);
    expect(listed.code, listed.output).toBe(0);
    // package-lock.json changed too, and Nx counts every project as touched by a lockfile change (its conservative
    // default), so the other apps are listed as well; the new ones must be there with no pipeline edit.
    expect(JSON.parse(listed.output.trim().split('\n').at(-1)!)).toEqual(expect.arrayContaining(apps));
    for (const app of apps) expect(appProblems(workspace, app)).toEqual([]);
    // The function's bundle and its CloudFormation, as `nx run <app>:synth` makes them (build-lambda first).
    const synth = await nx('run', 'gen-fn:synth', '--output-style=static');
    expect(synth.code, synth.output.slice(-4000)).toBe(0);
    expect(synth.output).toMatch(/synth: mcp-gen-fn-staging -> .* Lambda::Function, .*Lambda::Url/);
    expect(portClashes(workspace)).toEqual([]);
    // Every new app's alerts hold on the real promtool; their rules differ only by name, so one stands for all.
    const { objectives } = readApp(workspace, ON_KUBERNETES[0]!)!;
    expect(await promtoolRuleChecks(ON_KUBERNETES[0]!, objectives)).toMatch(/Unit Testing: .*\n\s+SUCCESS/);
  });

  it('refuses a second app of the same name, and leaves the workspace as it was', { timeout: CEILING_MS }, async () => {
    const again = await nx('g', '@mcp-fleet/nx-plugin:service', 'gen-none-none', '--skipInstall');
    expect(again.code).not.toBe(0);
    expect(again.output).toContain('apps/gen-none-none already exists; pick another name');
    expect(git('status', '--porcelain')).toBe('');
  });
});
