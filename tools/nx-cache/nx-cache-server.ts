#!/usr/bin/env tsx
// npm run nx-cache-server: Nx's self-hosted remote cache on loopback, over a folder or the GitHub Actions cache;
// or, with NX_CACHE_URL set, nothing but the settings that point Nx at your own cache server.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { cacheAccess, nxCacheEnv } from './src/cache-settings';
import { actionsCacheStore, directoryStore, startRemoteCache, type Access, type CacheStore } from './src/remote-cache';

const usage = `
Usage: npm run nx-cache-server -- [--store dir:PATH | --store github] [--port N] [--github-env FILE] [--detach]

Serves Nx's self-hosted remote cache protocol (GET/PUT /v1/cache/{hash}) on 127.0.0.1, so that a fresh clone
or CI runner gets the task results another one stored. Prints one JSON line when it listens, one per request.

  --store dir:PATH   archives in a folder (default dir:~/.cache/mcp-fleet/nx-remote-cache)
  --store github     archives in the GitHub Actions cache, through GitHub's toolkit (@actions/cache); needs
                     ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL, and ACTIONS_RUNTIME_TOKEN (ci.yml passes them in)
  --port N           default 0: any free port
  --github-env FILE  append NX_SELF_HOSTED_REMOTE_CACHE_SERVER and NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN to
                     FILE as KEY=value lines ($GITHUB_ENV in a workflow), so that later steps' nx uses the cache
  --detach           start the server in the background (its log: .nx/nx-cache-server.log), wait until it
                     listens, write --github-env, and exit

Tokens: NX_CACHE_READ_TOKEN and NX_CACHE_WRITE_TOKEN if set, else random ones. Nx is handed the write token
only on a push to main (GITHUB_EVENT_NAME=push, GITHUB_REF=refs/heads/main) or outside GitHub Actions; a pull
request gets the read token, and the server answers its uploads 403. Nothing stored is ever overwritten (409).

With NX_CACHE_URL set (your own server speaking the same protocol), no server is started: --github-env gets that
URL and the token chosen the same way from NX_CACHE_READ_TOKEN / NX_CACHE_WRITE_TOKEN.
`;
const { values } = cliOrExit(process.argv.slice(2), usage, {
  store: { type: 'string', default: `dir:${join(homedir(), '.cache', 'mcp-fleet', 'nx-remote-cache')}` },
  port: { type: 'string', default: '0' },
  'github-env': { type: 'string' },
  detach: { type: 'boolean' },
});

const fail = (message: string): never => {
  console.error(`nx-cache-server: ${message}`);
  process.exit(2);
};
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a number between 0 and 65535, got "${values.port}"`);
if (values.store !== 'github' && !values.store.startsWith('dir:')) fail(`--store must be dir:PATH or github, got "${values.store}"`);

const access: Access = cacheAccess(process.env);
const writeEnv = (url: string, token: string) => {
  if (process.env.GITHUB_ACTIONS === 'true') console.log(`::add-mask::${token}`);
  if (values['github-env']) appendFileSync(values['github-env'], nxCacheEnv(url, token));
  console.log(`nx-cache-server: nx uses ${url} with the ${access} token`);
};

if (process.env.NX_CACHE_URL) {
  const token = access === 'write' ? process.env.NX_CACHE_WRITE_TOKEN : process.env.NX_CACHE_READ_TOKEN;
  if (!token)
    fail(
      `NX_CACHE_URL is set but NX_CACHE_${access.toUpperCase()}_TOKEN is not: set it as a repository secret (docs/pipeline.md: "The Nx remote cache")`,
    );
  writeEnv(process.env.NX_CACHE_URL, token!);
  process.exit(0);
}

const tokens = {
  read: process.env.NX_CACHE_READ_TOKEN || randomBytes(24).toString('hex'),
  write: process.env.NX_CACHE_WRITE_TOKEN || randomBytes(24).toString('hex'),
};

if (values.detach) {
  // The same command without --detach, as a child that outlives this one; its tokens are passed down.
  const root = workspaceRoot();
  mkdirSync(join(root, '.nx'), { recursive: true });
  const logFile = join(root, '.nx', 'nx-cache-server.log');
  const log = openSync(logFile, 'a');
  const args = ['--store', values.store, '--port', values.port];
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
    env: { ...process.env, NX_CACHE_READ_TOKEN: tokens.read, NX_CACHE_WRITE_TOKEN: tokens.write },
  });
  // The child sends its URL once it listens, or exits first.
  const url = await new Promise<string | undefined>((resolveUrl) => {
    child.once('message', (message: { url?: string }) => resolveUrl(message.url));
    child.once('exit', () => resolveUrl(undefined));
  });
  if (!url)
    fail(`the server did not start (its log, ${logFile}, ends):\n${readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n')}`);
  child.unref();
  writeEnv(url!, tokens[access]);
  console.log(`nx-cache-server: running as pid ${child.pid}, log ${logFile}`);
  process.exit(0);
}

let store: CacheStore;
try {
  if (values.store === 'github') {
    // The toolkit archives paths relative to the working directory.
    process.chdir(workspaceRoot());
    store = actionsCacheStore(await import('@actions/cache'));
  } else {
    store = directoryStore(resolve(values.store.slice('dir:'.length)));
  }
} catch (error) {
  fail((error as Error).message);
}
const server = await startRemoteCache(
  {
    store: store!,
    tokens: new Map<string, Access>([
      [tokens.read, 'read'],
      [tokens.write, 'write'],
    ]),
    scratch: join(tmpdir(), `nx-cache-server-${process.pid}`),
    onRequest: (entry) => console.log(JSON.stringify({ msg: 'request', ...entry })),
  },
  port,
).catch((error: Error) => fail(`cannot listen on 127.0.0.1:${port}: ${error.message}`));
console.log(JSON.stringify({ msg: 'listening', url: server.url, store: store!.description }));
if (process.send) {
  process.send({ url: server.url });
  process.disconnect();
}
if (values['github-env']) writeEnv(server.url, tokens[access]);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(JSON.stringify({ msg: 'stopped', ...server.stats }));
    void server.close().then(() => process.exit(0));
  });
}
