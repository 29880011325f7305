import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = new URL('..', import.meta.url).pathname;
const root = new URL('../../..', import.meta.url).pathname;
const workspace = mkdtempSync(join(tmpdir(), 'lambda-stack-cli-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

const app = join(workspace, 'apps', 'text-tools');
mkdirSync(join(app, 'dist'), { recursive: true });
cpSync(join(root, 'apps', 'text-tools', 'package.json'), join(app, 'package.json'));
writeFileSync(join(workspace, 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
await run('zip', ['-q', join(app, 'dist', 'lambda.zip'), 'index.mjs'], { cwd: workspace });

const tsx = join(root, 'node_modules', '.bin', 'tsx');
const failure = (error: unknown) => error as { code: number; stderr: string };

describe('synth.ts, what npx nx run <app>:synth runs', () => {
  it('prints its usage with --help', async () => {
    const { stdout } = await run(tsx, ['src/synth.ts', '--help'], { cwd: here });
    expect(stdout).toMatch(/^Usage: npx mcp-fleet-synth --app NAME/);
  });

  it('writes the template of each environment asked for, offline, and says what is in it', async () => {
    const { stdout } = await run(
      tsx,
      ['src/synth.ts', '--app', 'text-tools', '--environment', 'staging', '--no-validation', '--workspace', workspace],
      { cwd: here },
    );
    expect(stdout).toMatch(
      /^synth: mcp-text-tools-staging -> .*mcp-text-tools-staging\.template\.json in \d+ ms: CloudWatch::Alarm x3, CodeDeploy::Application, .*Lambda::Url/,
    );
    expect(
      JSON.parse(readFileSync(join(app, 'dist', 'cdk.out', 'staging', 'mcp-text-tools-staging.template.json'), 'utf8')),
    ).toHaveProperty('Resources');
  });

  it('exits 2 naming the problem: no --app, an app that is no function, a missing zip', async () => {
    await expect(run(tsx, ['src/synth.ts'], { cwd: here })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('synth: --app is required'),
    });
    mkdirSync(join(workspace, 'apps', 'plain'), { recursive: true });
    writeFileSync(
      join(workspace, 'apps', 'plain', 'package.json'),
      JSON.stringify({ name: 'plain', mcpFleet: { port: 3999, lambda: {} } }),
    );
    const missing = await run(tsx, ['src/synth.ts', '--app', 'plain', '--workspace', workspace], { cwd: here }).catch(failure);
    expect(missing).toMatchObject({ code: 2 });
    expect(missing.stderr).toContain('apps/plain/dist/lambda.zip does not exist; build it first: npx nx run plain:build-lambda');
  });
});

describe('cdk-app.ts, the entry the real CDK CLI runs (cdk.json)', () => {
  it('is synthesised by `cdk synth` with the app and environment from the context, offline', async () => {
    const out = join(workspace, 'cli.out');
    const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_VALIDATION: 'false' };
    const cdk = join(root, 'node_modules', '.bin', 'cdk');
    await run(
      cdk,
      [
        'synth',
        '--no-notices',
        '--quiet',
        '-c',
        'app=text-tools',
        '-c',
        'environment=production',
        '-c',
        `workspace=${workspace}`,
        '-o',
        out,
      ],
      { cwd: here, env },
    );
    expect(existsSync(join(out, 'mcp-text-tools-production.template.json'))).toBe(true);
    const refused = await run(cdk, ['synth', '--no-notices', '--quiet', '-o', out], { cwd: here, env }).catch(failure);
    expect(refused.stderr).toContain('lambda-stack: say which app: npx cdk <command> -c app=<app>');
  });
});
