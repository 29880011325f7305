// The README and docs/ as a reader follows them: every link leads to a file and heading that exist, every path they
// name is in the workspace, and every command they show is one the workspace has, with flags its --help lists.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { TARGET_KINDS } from '@mcp-fleet/nx-plugin/targets';
import { describe, expect, it } from 'vitest';
import { anchorsOf, commandsOf, linksOf, pathsOf } from './src/docs';

const root = join(import.meta.dirname, '..', '..');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];
const text = new Map(pages.map((page) => [page, readFileSync(join(root, page), 'utf8')]));
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const bins = new Map(
  readdirSync(join(root, 'tools')).flatMap((tool) => {
    const file = join(root, 'tools', tool, 'package.json');
    const bin = existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { bin?: Record<string, string> }).bin ?? {}) : {};
    return Object.entries(bin).map(([name, script]) => [name, join('tools', tool, script)] as const);
  }),
);
const projects = new Set(
  ['apps', 'libs', 'tools'].flatMap((group) =>
    readdirSync(join(root, group)).filter((name) => existsSync(join(root, group, name, 'package.json'))),
  ),
);

describe.each(pages)('%s', (page) => {
  const body = text.get(page)!;

  it('links only to files and headings that exist', () => {
    const broken = linksOf(body).flatMap((link) => {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file === '' ? page : relative(root, join(root, dirname(page), file));
      if (!existsSync(join(root, target))) return [`${link}: no file ${target}`];
      if (anchor && target.endsWith('.md') && !anchorsOf(text.get(target) ?? readFileSync(join(root, target), 'utf8')).has(anchor))
        return [`${link}: ${target} has no heading #${anchor}`];
      return [];
    });
    expect(broken).toEqual([]);
  });

  it("names only paths that are in the workspace (a deploy/ path the root's or an app's)", () => {
    const apps = readdirSync(join(root, 'apps'));
    const exists = (path: string) =>
      existsSync(join(root, path)) || (path.startsWith('deploy/') && apps.some((app) => existsSync(join(root, 'apps', app, path))));
    expect(pathsOf(body).filter((path) => !exists(path))).toEqual([]);
  });

  it('shows only commands the workspace has: npm scripts, tool commands, Nx targets', () => {
    const problems = commandsOf(body).flatMap(({ kind, name, target }) => {
      if (kind === 'npm' && !(name in scripts)) return [`npm run ${name}: package.json has no such script`];
      if (kind === 'bin' && !bins.has(name)) return [`npx ${name}: no tool under tools/ has that command`];
      if (kind === 'nx' && !name.startsWith('<') && !projects.has(name)) return [`nx run ${name}:${target}: no project ${name}`];
      if (kind === 'nx' && !(TARGET_KINDS as readonly string[]).includes(target!)) return [`nx run ${name}:${target}: no target ${target}`];
      return [];
    });
    expect(problems).toEqual([]);
  });
});

it('gives each command only flags its --help lists', { timeout: 300_000 }, async () => {
  const flags = new Map<string, Set<string>>();
  for (const body of text.values()) {
    for (const { kind, name, flags: used } of commandsOf(body)) {
      const file = kind === 'npm' ? scripts[name]?.match(/(tools\/\S+\.ts)/)?.[1] : kind === 'bin' ? bins.get(name) : undefined;
      if (file && used.length > 0) flags.set(file, new Set([...(flags.get(file) ?? []), ...used]));
    }
  }
  // Every script's --help from one process (print-helps.ts): one Node start and one TypeScript loader.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'print-helps.ts'), ...flags.keys()],
    { cwd: root, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
  );
  const helps = JSON.parse(stdout) as Record<string, { code: number; output: string }>;
  const problems: string[] = [];
  for (const [file, used] of flags) {
    const help = helps[file]!;
    if (help.code !== 0) problems.push(`${file} --help exits ${help.code}: ${help.output}`);
    for (const flag of used)
      if (flag !== '--help' && !new RegExp(`${flag}\\b`).test(help.output)) problems.push(`${file} --help does not list ${flag}`);
  }
  expect(problems).toEqual([]);
});
