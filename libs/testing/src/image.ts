// An app's image, proven by the app's own test without Docker: the Dockerfile's deps stage (`npm ci --omit=dev` of
// the dist/package.json and dist/package-lock.json its build wrote) installs exactly what the bundle's imports
// reach, and with the bundle and config as the runtime stage lays them out, the app passes the image smoke test
// (mcp-fleet-smoke) as a production process. An app's test, so a change to one app's deploy/ re-runs that app's.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { runtimeConfigSchema, serve } from '@mcp-fleet/runtime';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, describe, expect, it } from 'vitest';
import { deploymentSecretEnv, renderOverlay } from './manifests';
import { startServerProcess } from './server-process';

/** Packages only tests and tools use: none may reach a production image. */
const DEV_ONLY = [
  '@mcp-fleet/testing',
  '@modelcontextprotocol/inspector',
  '@modelcontextprotocol/sdk',
  'kubernetes-models',
  'vitest',
  'vite',
  'esbuild',
  'tsx',
  'express',
  'typescript',
];
// Installing and starting are seconds of work on a loaded 2-core machine: a ceiling, not an expectation.
const CEILING_MS = 300_000;

/** A bare import's package: `@scope/name` or `name`, without a subpath. */
const packageName = (specifier: string): string =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/** The packages a bundle imports by name (esbuild writes each external as `from "x"`, `import("x")` or `require("x")`). */
export function importedPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:\bfrom|\bimport|require)\s*\(?\s*"([^"./][^"]*)"/g)].map((match) => match[1]!);
  return [...new Set(specifiers.filter((specifier) => !isBuiltin(specifier)).map(packageName))].sort();
}

/** Every package folder under an install's node_modules, as `node_modules/a/node_modules/@s/b`. */
export function installedPackages(dir: string, prefix = ''): string[] {
  const modules = join(dir, prefix, 'node_modules');
  if (!existsSync(modules)) return [];
  return readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((scoped) => `${name}/${scoped}`) : [name]))
    .flatMap((name) => {
      const path = join(prefix, 'node_modules', name);
      return [path, ...installedPackages(dir, path)];
    });
}

/**
 * The installed packages `imports` reach by Node's lookup (the nearest node_modules up from the importer), following
 * each reached package's dependencies, peer and optional ones that are installed; a required one not found is named.
 */
export function reachedPackages(dir: string, imports: string[]): { reached: Set<string>; missing: string[] } {
  const reached = new Set<string>();
  const missing: string[] = [];
  const lookup = (from: string, name: string): string | undefined => {
    for (
      let base = from;
      ;
      base = base.includes('node_modules') ? base.slice(0, base.lastIndexOf('node_modules')).replace(/\/$/, '') : ''
    ) {
      const candidate = join(base, 'node_modules', name);
      if (existsSync(join(dir, candidate, 'package.json'))) return candidate;
      if (base === '') return undefined;
    }
  };
  const visit = (from: string, name: string, required: boolean) => {
    const found = lookup(from, name);
    if (!found) {
      if (required) missing.push(`${name} (needed by ${from || 'the bundle'})`);
      return;
    }
    if (reached.has(found)) return;
    reached.add(found);
    const manifest = JSON.parse(readFileSync(join(dir, found, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    const optional = new Set([
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.entries(manifest.peerDependenciesMeta ?? {})
        .filter(([, meta]) => (meta as { optional?: boolean }).optional)
        .map(([peer]) => peer),
    ]);
    for (const dependency of new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ])) {
      visit(found, dependency, !optional.has(dependency));
    }
  };
  for (const name of imports) visit('', name, true);
  return { reached, missing };
}

/** What a production Deployment of the app takes from a Secret: DATABASE_URL then needs a real database. */
function needsDatabase(appDir: string): boolean {
  const deployment = renderOverlay(appDir, 'production').find((manifest) => manifest.kind === 'Deployment');
  return !!deployment && deploymentSecretEnv(deployment).includes('DATABASE_URL');
}

const run = async (command: string, args: string[], cwd: string) => {
  const result = await promisify(execFile)(command, args, { cwd, encoding: 'utf8', timeout: CEILING_MS }).catch(
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  return { code: 'code' in result && typeof result.code === 'number' ? result.code : 0, stdout: result.stdout, stderr: result.stderr };
};

export interface ImageTestOptions {
  /** A throwaway PostgreSQL database's URL, for an app whose Deployment takes DATABASE_URL from a Secret. */
  databaseUrl?: () => Promise<string>;
}

/** The image tests of apps/`app`, registered from its test folder; its build target has written dist/. */
export function describeImage(app: string, options: ImageTestOptions = {}): void {
  const root = workspaceRoot();
  const appDir = join(root, 'apps', app);
  const smoke = join(root, 'node_modules', '.bin', 'mcp-fleet-smoke');
  const scratch = mkdtempSync(join(tmpdir(), `image-${app}-`));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  // The image's /app: the bundle and its manifests (dist/), the deps stage's install (node_modules/), config/.
  let layout: Promise<void> | undefined;
  const imageLayout = () =>
    (layout ??= (async () => {
      cpSync(join(appDir, 'dist'), join(scratch, 'dist'), {
        recursive: true,
        filter: (source) => !/[/\\](lambda|cdk\.out)(\.zip)?$/.test(source),
      });
      const install = await run(
        'npm',
        ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
        join(scratch, 'dist'),
      );
      if (install.code !== 0) throw new Error(`npm ci in the image's deps stage failed: ${install.stderr}`);
      cpSync(join(scratch, 'dist', 'node_modules'), join(scratch, 'node_modules'), { recursive: true });
      cpSync(join(appDir, 'config'), join(scratch, 'config'), { recursive: true });
    })());

  describe(`${app}: the image`, () => {
    it(
      'installs exactly what the bundle imports reach: nothing extra, nothing missing, no dev-only package',
      { timeout: CEILING_MS },
      async () => {
        await imageLayout();
        const imports = importedPackages(readFileSync(join(scratch, 'dist', 'main.js'), 'utf8'));
        const installed = installedPackages(scratch);
        const { reached, missing } = reachedPackages(scratch, imports);
        expect(missing).toEqual([]);
        expect(
          installed.filter((path) => !reached.has(path)).map((path) => `${path} is installed but nothing the bundle imports reaches it`),
        ).toEqual([]);
        expect(DEV_ONLY.filter((name) => installed.includes(`node_modules/${name}`))).toEqual([]);
        expect(installed.filter((path) => path.startsWith('node_modules/@mcp-fleet/'))).toEqual([]);
      },
    );

    // Without a database (no DATABASE_URL: not under npm test), an app that needs one skips this, and says so.
    const database = needsDatabase(appDir);
    it.runIf(!database || options.databaseUrl)(
      'passes the image smoke test as a production process, with the env mcp-fleet-smoke writes',
      { timeout: CEILING_MS },
      async () => {
        await imageLayout();
        const envFile = join(scratch, 'smoke.env');
        if (database) {
          const refused = await run(smoke, ['env', '--app', app, '--output', envFile], root);
          expect(refused.code).toBe(2);
          expect(refused.stderr).toContain(
            `smoke: ${app} needs DATABASE_URL (its Deployment takes it from a Secret); pass --database-url postgres://…`,
          );
        }
        const databaseUrl = database ? ['--database-url', await options.databaseUrl!()] : [];
        const env = await run(smoke, ['env', '--app', app, '--port', '0', '--output', envFile, ...databaseUrl], root);
        expect(env.code, env.stderr).toBe(0);
        const variables = Object.fromEntries(
          readFileSync(envFile, 'utf8')
            .trim()
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
        );
        // As the image starts it: MCP_ENV=production, on the port the env file names (0 here: any free one).
        const server = await startServerProcess({
          app: join(scratch, 'dist', 'main.js'),
          env: { ...variables, MCP_ENV: 'production', NODE_ENV: 'production' },
          coverageDir: false,
        });
        try {
          const summary = join(scratch, 'summary.md');
          const check = await run(smoke, ['check', '--app', app, '--url', server.url, '--summary', summary], root);
          expect(check.code, check.stderr).toBe(0);
          expect(check.stdout).toMatch(new RegExp(`^smoke: ${app} ready in [\\d.]+ s; initialize: ${app} [\\d.]+; tools/list: \\w`, 'm'));
          expect(readFileSync(summary, 'utf8')).toMatch(
            new RegExp(`^\\| app \\| image size[\\s\\S]*^\\| ${app} \\| – \\| [\\d.]+ s \\| ${app} `, 'm'),
          );
        } finally {
          expect((await server.stop()).code).toBe(0);
        }
      },
    );

    it('fails the smoke test, naming the app, when its URL serves another one', { timeout: CEILING_MS }, async () => {
      const impostor = await serve(() => new McpServer({ name: `not-${app}`, version: '1' }), {
        name: `not-${app}`,
        config: runtimeConfigSchema.parse({ port: 0, logLevel: 'silent' }),
        handleSignals: false,
      });
      try {
        const check = await run(smoke, ['check', '--app', app, '--url', impostor.url!, '--timeout', '30'], root);
        expect(check.code).toBe(1);
        expect(check.stderr).toContain(`smoke: ${app}: initialize answered as "not-${app}", not ${app}: is ${impostor.url} the right app?`);
      } finally {
        await impostor.shutdown('test over');
      }
    });
  });
}
