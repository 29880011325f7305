// affected-apps.ts with the real nx on a throwaway git repository shaped like this workspace.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
let repo: string;

const write = (file: string, content: string) => {
  mkdirSync(dirname(join(repo, file)), { recursive: true });
  writeFileSync(join(repo, file), content);
};
const pkg = (name: string, dependencies: Record<string, string> = {}, mcpFleet?: object) =>
  JSON.stringify(
    { name: `@ws/${name}`, version: '0.0.0', private: true, dependencies, nx: { name }, ...(mcpFleet ? { mcpFleet } : {}) },
    null,
    2,
  );
const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
const commit = (message: string) => {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD');
};
const env = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false', NX_BASE: '', NX_HEAD: '' };
async function affected(base: string, head: string) {
  const result = await runScript(import.meta.dirname, 'affected-apps.ts', ['--base', base, '--head', head], { cwd: repo, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'affected-apps-'));
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'));
  write('package.json', JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }));
  write('nx.json', JSON.stringify({ defaultBase: 'main' }));
  write('.gitignore', 'node_modules\n.nx\n');
  write('README.md', '# ws\n');
  write('libs/shared/package.json', pkg('shared'));
  write('libs/shared/src/index.ts', 'export const shared = 1;\n');
  write('libs/other/package.json', pkg('other'));
  write('libs/other/src/index.ts', 'export const other = 1;\n');
  write('apps/alpha/package.json', pkg('alpha', { '@ws/shared': '*' }));
  write('apps/alpha/src/main.ts', "import { shared } from '@ws/shared';\nexport const alpha = shared;\n");
  // beta ships as a function only.
  write('apps/beta/package.json', pkg('beta', { '@ws/other': '*' }, { port: 4001, kubernetes: false, lambda: {} }));
  write('apps/beta/src/main.ts', 'export const beta = 2;\n');
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  commit('workspace');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('affected-apps.ts on a git repository with real nx', () => {
  it('lists the one app a change touches, every app behind a changed lib, none for docs, and a new app unasked', async () => {
    // As in CI, the checked-out commit is the head: nx reads the project graph from the working tree.
    const start = git('rev-parse', 'HEAD');
    write('apps/beta/src/main.ts', 'export const beta = 3;\n');
    expect(await affected(start, commit('beta'))).toEqual(['beta']);

    let base = git('rev-parse', 'HEAD');
    write('libs/shared/src/index.ts', 'export const shared = 2;\n');
    expect(await affected(base, commit('shared'))).toEqual(['alpha']);

    base = git('rev-parse', 'HEAD');
    write('README.md', '# ws\n\nMore words.\n');
    expect(await affected(base, commit('docs'))).toEqual([]);

    base = git('rev-parse', 'HEAD');
    write('apps/gamma/package.json', pkg('gamma', { '@ws/shared': '*' }));
    write('apps/gamma/src/main.ts', 'export const gamma = 1;\n');
    expect(await affected(base, commit('gamma'))).toEqual(['gamma']);

    expect(await affected(start, git('rev-parse', 'HEAD'))).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('with --apps, lists exactly those, and refuses a name that is not an app', async () => {
    const output = join(repo, 'github-output');
    writeFileSync(output, '');
    const listed = await runScript(import.meta.dirname, 'affected-apps.ts', ['--apps', 'beta, alpha', '--github-output'], {
      cwd: repo,
      env: { ...env, GITHUB_OUTPUT: output },
    });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(['alpha', 'beta']);
    // The deploy workflow's two matrices: the apps on Kubernetes, and the functions.
    expect(readFileSync(output, 'utf8')).toBe('apps=["alpha"]\nfunctions=["beta"]\n');

    const unknown = await runScript(import.meta.dirname, 'affected-apps.ts', ['--apps', 'alpha,shared'], { cwd: repo, env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--apps names "shared", which is not an app under apps/ (the apps: alpha, beta');
  });
});
