import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheAccess } from './cache-settings';
import {
  accessOf,
  actionsCacheStore,
  directoryStore,
  startRemoteCache,
  type ActionsCacheApi,
  type CacheStore,
  type RemoteCacheServer,
} from './remote-cache';

const TOKENS = new Map([
  ['read-token', 'read'],
  ['write-token', 'write'],
] as const);

let dir: string;
let server: RemoteCacheServer;
const start = async (store: CacheStore, maxBytes?: number) => {
  server = await startRemoteCache({ store, tokens: new Map(TOKENS), scratch: join(dir, 'scratch'), maxBytes });
};
const put = (hash: string, body: string, token = 'write-token') =>
  fetch(`${server.url}/v1/cache/${hash}`, {
    method: 'PUT',
    body,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
  });
const get = (hash: string, token = 'read-token') =>
  fetch(`${server.url}/v1/cache/${hash}`, { headers: { authorization: `Bearer ${token}` } });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'remote-cache-'));
});
afterEach(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Nx remote cache protocol over a directory store', () => {
  it('answers 404 for an unknown hash, stores a PUT, and serves it back byte for byte', async () => {
    await start(directoryStore(join(dir, 'store')));
    expect((await get('123')).status).toBe(404);
    expect((await put('123', 'archive bytes')).status).toBe(200);
    const hit = await get('123');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('content-type')).toBe('application/octet-stream');
    expect(await hit.text()).toBe('archive bytes');
    expect(server.stats).toMatchObject({ hits: 1, misses: 1, stored: 1 });
  });

  it('never overwrites a stored hash: the second PUT is 409 and the first archive stays', async () => {
    await start(directoryStore(join(dir, 'store')));
    expect((await put('7', 'first')).status).toBe(200);
    const second = await put('7', 'second');
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('never overwritten');
    expect(await (await get('7')).text()).toBe('first');
    // Nothing spooled is left behind.
    expect(readdirSync(join(dir, 'scratch'))).toEqual([]);
  });

  it('refuses a request without a known bearer token (401), and an upload with the read token (403)', async () => {
    await start(directoryStore(join(dir, 'store')));
    expect((await fetch(`${server.url}/v1/cache/1`)).status).toBe(401);
    expect((await get('1', 'not-a-token')).status).toBe(401);
    const refused = await put('1', 'x', 'read-token');
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('may read, not write');
    expect((await get('1')).status).toBe(404);
    // The write token reads too.
    expect((await get('1', 'write-token')).status).toBe(404);
  });

  it('refuses a hash that could name a path, a path outside /v1/cache, and an archive over the limit', async () => {
    await start(directoryStore(join(dir, 'store')), 10);
    expect((await get('..%2F..%2Fetc%2Fpasswd')).status).toBe(400);
    expect((await fetch(`${server.url}/v1/other`, { headers: { authorization: 'Bearer read-token' } })).status).toBe(404);
    const tooBig = await put('5', 'more than ten bytes');
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).toContain('at most 10');
  });

  it('answers 500 when the store fails, with its reason (paths and all) in the log only, and keeps serving', async () => {
    const broken: CacheStore = {
      description: 'broken',
      get: () => Promise.reject(new Error(`disk on fire at ${dir}`)),
      put: () => Promise.resolve(true),
    };
    const logged: { error?: string }[] = [];
    server = await startRemoteCache({
      store: broken,
      tokens: new Map(TOKENS),
      scratch: join(dir, 'scratch'),
      onRequest: (entry) => logged.push(entry),
    });
    const failed = await get('9');
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe('the cache store failed; the server log says why\n');
    await expect.poll(() => logged.at(-1)?.error).toBe(`disk on fire at ${dir}`);
    expect((await put('9', 'x')).status).toBe(200);
  });
});

describe('bearer tokens', () => {
  it('grants the access of the token named, case-insensitive scheme, nothing for a prefix of a token', () => {
    const tokens = new Map(TOKENS);
    expect(accessOf('Bearer write-token', tokens)).toBe('write');
    expect(accessOf('bearer read-token', tokens)).toBe('read');
    expect(accessOf('Bearer read', tokens)).toBeUndefined();
    expect(accessOf('Basic cmVhZC10b2tlbg==', tokens)).toBeUndefined();
    expect(accessOf(undefined, tokens)).toBeUndefined();
  });

  it('hands Nx the write token only on a push to main, or off GitHub', () => {
    expect(cacheAccess({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main' })).toBe('write');
    expect(cacheAccess({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/4/merge' })).toBe('read');
    expect(cacheAccess({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/feature' })).toBe('read');
    expect(cacheAccess({ GITHUB_ACTIONS: 'true', GITHUB_EVENT_NAME: 'workflow_dispatch', GITHUB_REF: 'refs/heads/main' })).toBe('read');
    expect(cacheAccess({})).toBe('write');
  });
});

/**
 * GitHub's cache service cannot be reached here, so the Actions store is tested at the toolkit's API: a stand-in
 * with @actions/cache's contract (archives by relative path under the working directory, a key saved once, -1
 * for a save that could not reserve its key, undefined for a miss).
 */
function fakeToolkit(root: string, available = true): ActionsCacheApi & { entries: Map<string, Buffer> } {
  const entries = new Map<string, Buffer>();
  return {
    entries,
    isFeatureAvailable: () => available,
    restoreCache: async ([path], key) => {
      const entry = entries.get(`${key}|${path}`);
      if (!entry) return undefined;
      writeFileSync(join(root, path!), entry);
      return key;
    },
    saveCache: async ([path], key) => {
      if (entries.has(`${key}|${path}`)) return -1;
      entries.set(`${key}|${path}`, readFileSync(join(root, path!)));
      return entries.size;
    },
  };
}

describe('the GitHub Actions cache store', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = process.cwd();
    process.chdir(dir);
  });
  afterEach(() => process.chdir(cwd));

  it('saves each hash as its own entry, keyed nx-<hash>, serves it back, and answers 409 for a key saved already', async () => {
    const toolkit = fakeToolkit(dir);
    await start(actionsCacheStore(toolkit));
    expect((await get('42')).status).toBe(404);
    expect((await put('42', 'tar')).status).toBe(200);
    expect([...toolkit.entries.keys()]).toEqual(['nx-42|.nx/remote-cache/42']);
    expect(await (await get('42')).text()).toBe('tar');
    expect((await put('42', 'other')).status).toBe(409);
    // The restored archive is removed once served; the entry stays in the service.
    await expect.poll(() => readdirSync(join(dir, '.nx', 'remote-cache'))).toEqual([]);
  });

  it('answers 409, not 500, to a second upload of a hash while the first is being saved', async () => {
    const toolkit = fakeToolkit(dir);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const save = toolkit.saveCache;
    toolkit.saveCache = async (paths, key) => (await held, save(paths, key));
    await start(actionsCacheStore(toolkit));
    const first = put('42', 'first');
    await expect.poll(() => readdirSync(join(dir, '.nx', 'remote-cache'))).toEqual(['42']);
    const second = await put('42', 'second');
    expect(second.status).toBe(409);
    expect(await second.text()).not.toContain(dir);
    release();
    expect((await first).status).toBe(200);
    expect(await (await get('42')).text()).toBe('first');
  });

  it('refuses to start without the cache service, and says how to pass it in', () => {
    expect(() => actionsCacheStore(fakeToolkit(dir, false))).toThrow(/ACTIONS_RUNTIME_TOKEN.*Expose the Actions cache service/);
  });
});
