// What an app's image holds at run time, proven without Docker: the Dockerfile's deps stage (npm ci of the
// dist/package.json and dist/package-lock.json build-app writes) run for real in a temporary folder must install
// exactly the closure of what the bundle imports, and the result, with the bundle and config as the runtime stage
// lays them out, must pass the image smoke test (smoke.ts) as a production process.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { listApps } from '@mcp-fleet/fleet-manifest';
import { testDatabases } from '@mcp-fleet/storage/testing';
import { startServerProcess, workspaceRoot } from '@mcp-fleet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleApp } from './src/bundle';
import { appRuntimeManifest, closureProblems, installedPackages, runtimeClosure, type Lockfile } from './src/runtime-closure';

const root = workspaceRoot();
const apps = listApps(root);
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
/** Packages only tests and tools use: none may reach a production image. */
const DEV_ONLY = ['@mcp-fleet/testing', '@modelcontextprotocol/inspector', '@modelcontextprotocol/sdk', 'kubernetes-models', 'vitest', 'vite', 'esbuild', 'tsx', 'express', 'typescript'];
const scratch = mkdtempSync(join(tmpdir(), 'runtime-image-'));
const postgres = testDatabases({ service: 'smoke', migrations: [] }).find((database) => database.name === 'postgres');
afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await postgres?.drop();
});

interface Layout {
  dir: string;
  expected: ReturnType<typeof runtimeClosure>;
}
const layouts = new Map<string, Promise<Layout>>();
/** The image's /app for `app`, made once per run (tests share it). */
const layoutOf = (app: string): Promise<Layout> => layouts.get(app) ?? layouts.set(app, imageLayout(app)).get(app)!;

/** The image's /app for `app`: the bundle and its run-time manifest in dist/, the deps stage's install, config/. */
async function imageLayout(app: string): Promise<Layout> {
  const appDir = join(root, 'apps', app);
  const dir = join(scratch, app);
  const metafile = await bundleApp(appDir, join(dir, 'dist'));
  const { packageJson, packageLock, imports } = appRuntimeManifest(appDir, metafile);
  const install = join(dir, 'install');
  cpSync(join(dir, 'dist'), install, { recursive: true, filter: (source) => !source.endsWith('.js') && !source.endsWith('.map') });
  writeFileSync(join(install, 'package.json'), JSON.stringify(packageJson));
  writeFileSync(join(install, 'package-lock.json'), JSON.stringify(packageLock));
  // The Dockerfile's deps stage, from npm's cache where it has the packages already.
  await promisify(execFile)('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: install });
  cpSync(join(install, 'node_modules'), join(dir, 'node_modules'), { recursive: true });
  cpSync(join(appDir, 'config'), join(dir, 'config'), { recursive: true });
  return { dir, expected: runtimeClosure(lock, imports, `apps/${app}`) };
}

// Bundling and installing are seconds of work on a loaded 2-core machine: a ceiling, not an expectation.
const CEILING_MS = 300_000;

describe.each(apps)('%s: the image\'s run-time install', (app) => {
  it('holds exactly the closure of what the bundle imports: nothing extra, nothing missing, no dev-only package', { timeout: CEILING_MS }, async () => {
    const { dir, expected } = await layoutOf(app);
    const installed = installedPackages(dir);
    expect(closureProblems(expected, installed)).toEqual([]);
    expect(DEV_ONLY.filter((name) => installed.has(`node_modules/${name}`))).toEqual([]);
    expect(existsSync(join(dir, 'node_modules', '@mcp-fleet'))).toBe(false);
    const megabytes = Number((await promisify(execFile)('du', ['-sm', join(dir, 'node_modules')], { encoding: 'utf8' })).stdout.split('\t')[0]);
    console.log(`${app}: ${installed.size} packages, ${megabytes} MB at run time`);
  });

  const needsPostgres = app === 'documents';
  it.runIf(!needsPostgres || postgres)('passes the image smoke test as a production process, with the env smoke.ts writes', { timeout: CEILING_MS }, async () => {
    const { dir } = await layoutOf(app);
    const envFile = join(dir, 'smoke.env');
    const databaseUrl = needsPostgres ? ['--database-url', await postgres!.url()] : [];
    const env = await runScript(import.meta.dirname, 'smoke.ts', ['env', '--app', app, '--port', '0', '--output', envFile, ...databaseUrl]);
    expect(env.code, env.stderr).toBe(0);
    const variables = Object.fromEntries(readFileSync(envFile, 'utf8').trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    // As the image starts it: MCP_ENV=production, on the port the env file names (0 here: any free one).
    const server = await startServerProcess({ app: join(dir, 'dist', 'main.js'), env: { ...variables, MCP_ENV: 'production', NODE_ENV: 'production' }, coverageDir: false });
    try {
      const summary = join(dir, 'summary.md');
      const check = await runScript(import.meta.dirname, 'smoke.ts', ['check', '--app', app, '--url', server.url, '--summary', summary]);
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toMatch(new RegExp(`^smoke: ${app} ready in [\\d.]+ s; initialize: ${app} [\\d.]+; tools/list: \\w`, 'm'));
      expect(readFileSync(summary, 'utf8')).toMatch(new RegExp(`^\\| app \\| image size[\\s\\S]*^\\| ${app} \\| – \\| [\\d.]+ s \\| ${app} `, 'm'));
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});

describe('the closure check', () => {
  it('fails on a package the bundle does not need, such as a dev-only one reaching the runtime stage, and on a missing one', () => {
    const expected = runtimeClosure(lock, ['yaml']);
    const installed = new Map([...expected].map(([path, entry]) => [path, entry.version!]));
    expect(closureProblems(expected, installed)).toEqual([]);
    installed.set('node_modules/vitest', '4.1.12');
    installed.delete('node_modules/yaml');
    expect(closureProblems(expected, installed)).toEqual([
      'node_modules/vitest@4.1.12 is installed but nothing the bundle imports needs it',
      `node_modules/yaml@${expected.get('node_modules/yaml')!.version} is needed but not installed`,
    ]);
  });
});

describe('smoke.ts', () => {
  it('fails naming the app when the URL serves another one', { timeout: CEILING_MS }, async () => {
    const server = await startServerProcess({ app: join((await layoutOf('text-tools')).dir, 'dist', 'main.js'), coverageDir: false });
    try {
      const check = await runScript(import.meta.dirname, 'smoke.ts', ['check', '--app', 'documents', '--url', server.url, '--timeout', '30']);
      expect(check.code).toBe(1);
      expect(check.stderr).toContain(`smoke: documents: initialize answered as "text-tools", not documents: is ${server.url} the right app?`);
    } finally {
      await server.stop();
    }
  });

  it('refuses to write the env of an app that needs a database without one, and says what to pass', async () => {
    const run = await runScript(import.meta.dirname, 'smoke.ts', ['env', '--app', 'documents', '--output', join(scratch, 'x.env')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('smoke: documents needs DATABASE_URL (its Deployment takes it from a Secret); pass --database-url postgres://…');
  });

  it('prints its usage for --help, and exits 2 on a missing command', async () => {
    expect((await runScript(import.meta.dirname, 'smoke.ts', ['--help'])).stdout).toContain('Usage: tsx tools/scripts/smoke.ts env --app NAME');
    expect((await runScript(import.meta.dirname, 'smoke.ts', ['--app', 'text-tools'])).code).toBe(2);
  });
});
