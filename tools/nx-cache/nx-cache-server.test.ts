// The cache server as CI starts it (--detach, --github-env), and the real nx of this workspace as its client: two
// fresh workspaces with separate, empty HOMEs (two runners) share results through it, and a pull request's
// token reads without writing.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '@mcp-fleet/cli-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const nxBin = createRequire(join(root, 'package.json')).resolve('nx/bin/nx.js');

let scratch: string;
const pids: number[] = [];

/** A workspace of one project whose cached target writes a file: what a runner checks out. */
function workspace(name: string, input = 'one'): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, 'demo'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "name": "remote-cache-demo", "private": true }\n');
  writeFileSync(join(dir, 'nx.json'), '{ "neverConnectToCloud": true }\n');
  const make =
    "node -e \"require('fs').mkdirSync('demo/out',{recursive:true});require('fs').writeFileSync('demo/out/made.txt',process.env.MADE_BY)\"";
  const project = {
    name: 'demo',
    targets: { make: { command: make, cache: true, inputs: ['{projectRoot}/input.txt'], outputs: ['{projectRoot}/out'] } },
  };
  writeFileSync(join(dir, 'demo', 'project.json'), JSON.stringify(project));
  writeFileSync(join(dir, 'demo', 'input.txt'), input);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** `nx run demo:make` in a workspace, as a runner with its own empty HOME and the env file's settings. */
function nx(dir: string, envFile: string, madeBy: string): Promise<{ code: number; output: string }> {
  const home = mkdtempSync(join(scratch, 'home-'));
  const settings = Object.fromEntries(
    readFileSync(envFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const env = {
    ...process.env,
    ...settings,
    HOME: home,
    MADE_BY: madeBy,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_ISOLATE_PLUGINS: 'false',
    NX_TUI: 'false',
    CI: 'true',
    NX_CACHE_DIRECTORY: undefined,
    NX_SKIP_NX_CACHE: undefined,
  };
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [nxBin, 'run', 'demo:make'],
      { cwd: dir, env, encoding: 'utf8', timeout: 240_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

/** Starts the server as the workflow does, with the given GitHub event; returns its env file. */
async function startServer(store: string, github: Record<string, string>): Promise<string> {
  const envFile = join(mkdtempSync(join(scratch, 'env-')), 'github-env');
  writeFileSync(envFile, '');
  const started = await runScript(
    import.meta.dirname,
    'nx-cache-server.ts',
    ['--store', `dir:${store}`, '--detach', '--github-env', envFile],
    {
      env: { NX_CACHE_READ_TOKEN: 'read-token-for-tests', NX_CACHE_WRITE_TOKEN: 'write-token-for-tests', ...github },
    },
  );
  expect(started.code, started.stderr).toBe(0);
  pids.push(Number(/running as pid (\d+)/.exec(started.stdout)![1]));
  return envFile;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'nx-cache-server-'));
});
afterAll(() => {
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  rmSync(scratch, { recursive: true, force: true });
});

describe('nx-cache-server with the real nx', () => {
  // What a push to main leaves: one runner's result, stored through the write token.
  let store: string;
  let main: string;
  beforeAll(async () => {
    store = join(scratch, 'store');
    main = await startServer(store, { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' });
    const first = await nx(workspace('runner-1'), main, 'runner-1');
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('0/1 hit');
  });

  it('gives a second fresh runner the result the first stored: 1/1 from the remote cache, outputs restored', async () => {
    expect(readFileSync(main, 'utf8')).toMatch(
      /^NX_SELF_HOSTED_REMOTE_CACHE_SERVER=http:\/\/127\.0\.0\.1:\d+\nNX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=write-token-for-tests\n$/,
    );
    const secondDir = workspace('runner-2');
    const second = await nx(secondDir, main, 'runner-2');
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('1/1 hit');
    // The file came from runner 1's run, not from running the command again.
    expect(readFileSync(join(secondDir, 'demo', 'out', 'made.txt'), 'utf8')).toBe('runner-1');
  });

  it('hands a pull request the read token: it reads what main stored, and what it makes is not stored', async () => {
    const pr = await startServer(store, { GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge' });
    expect(readFileSync(pr, 'utf8')).toContain('NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=read-token-for-tests');
    const reads = await nx(workspace('pr-1'), pr, 'pr');
    expect(reads.output).toContain('1/1 hit');
    // A change only the pull request has: it runs, nx goes on when the upload is refused, and nothing is stored.
    const stored = readdirSync(store);
    const changed = await nx(workspace('pr-2', 'two'), pr, 'pr');
    expect(changed.code, changed.output).toBe(0);
    expect(changed.output).toContain('0/1 hit');
    expect(readdirSync(store)).toEqual(stored);
  });

  it('points nx at your own server when NX_CACHE_URL is set, with the token for the event, and starts nothing', async () => {
    const envFile = join(scratch, 'own-server-env');
    const given = await runScript(import.meta.dirname, 'nx-cache-server.ts', ['--detach', '--github-env', envFile], {
      env: {
        NX_CACHE_URL: 'https://cache.example.com',
        NX_CACHE_READ_TOKEN: 'r',
        NX_CACHE_WRITE_TOKEN: 'w',
        GITHUB_ACTIONS: 'true',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_REF: 'refs/pull/1/merge',
      },
    });
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).toContain('::add-mask::r');
    expect(readFileSync(envFile, 'utf8')).toBe(
      'NX_SELF_HOSTED_REMOTE_CACHE_SERVER=https://cache.example.com\nNX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=r\n',
    );
  });

  it('says what is missing: a token for NX_CACHE_URL, a store it cannot use, a bad port', async () => {
    const noToken = await runScript(import.meta.dirname, 'nx-cache-server.ts', [], {
      env: { NX_CACHE_URL: 'https://cache.example.com', NX_CACHE_READ_TOKEN: '', NX_CACHE_WRITE_TOKEN: '', GITHUB_ACTIONS: '' },
    });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('NX_CACHE_URL is set but NX_CACHE_WRITE_TOKEN is not');
    const badStore = await runScript(import.meta.dirname, 'nx-cache-server.ts', ['--store', 's3://bucket'], { env: { NX_CACHE_URL: '' } });
    expect(badStore.code).toBe(2);
    expect(badStore.stderr).toContain('--store must be dir:PATH or github, got "s3://bucket"');
    const badPort = await runScript(import.meta.dirname, 'nx-cache-server.ts', ['--port', 'abc'], { env: { NX_CACHE_URL: '' } });
    expect(badPort.stderr).toContain('--port must be a number between 0 and 65535, got "abc"');
    // As ci.yml starts it: the detached server's reason reaches the step's output.
    const noService = await runScript(import.meta.dirname, 'nx-cache-server.ts', ['--store', 'github', '--detach'], {
      env: { NX_CACHE_URL: '', ACTIONS_RESULTS_URL: '', ACTIONS_CACHE_URL: '', ACTIONS_CACHE_SERVICE_V2: '' },
    });
    expect(noService.code).toBe(2);
    expect(noService.stderr).toMatch(
      /the server did not start \(its log, .*nx-cache-server\.log, ends\):\n.*the GitHub Actions cache service is not reachable from this step/s,
    );
  });
});
