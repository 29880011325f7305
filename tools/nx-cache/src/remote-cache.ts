// Nx's self-hosted remote cache protocol (nx.dev, "self-hosted caching"): GET and PUT /v1/cache/{hash}, a tar
// archive of the task's outputs as the body, a bearer token for each request, 404 for an unknown hash, 403 for a
// token that may not do what it asks, 409 for a hash that is stored already. Nx 23's local cache is bound to its
// machine, so this is how a fresh CI runner gets the results of another.
import { timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Where the archives live. `put` resolves false when the hash is stored already: nothing is ever overwritten. */
export interface CacheStore {
  /** A short name for logs: `directory /path`, `GitHub Actions cache`. */
  readonly description: string;
  get(hash: string): Promise<{ body: Readable; size: number } | undefined>;
  put(hash: string, file: string): Promise<boolean>;
}

export type Access = 'read' | 'write';

export interface RemoteCacheOptions {
  store: CacheStore;
  /** Bearer token -> what it may do. A write token reads too. */
  tokens: Map<string, Access>;
  /** Where uploads are spooled before the store takes them (a folder of its own, removed by close()). */
  scratch: string;
  /** Called for each request once answered: a log line (with the store's error, which the client is not told). */
  onRequest?: (entry: { method: string; hash: string; status: number; bytes: number; error?: string }) => void;
  /** The largest archive taken, in bytes (default 2 GiB); a larger PUT is answered 413. */
  maxBytes?: number;
}

export interface RemoteCacheServer {
  /** http://127.0.0.1:<port> — what NX_SELF_HOSTED_REMOTE_CACHE_SERVER is set to. */
  url: string;
  /** Hits, misses, stores and refusals so far. */
  stats: { hits: number; misses: number; stored: number; conflicts: number; refused: number };
  close(): Promise<void>;
}

// Nx's task hashes are decimal; anything that could name a path outside the store is refused.
const HASH = /^[A-Za-z0-9_-]{1,128}$/;

/** The access a request's Authorization header grants, or undefined for no or an unknown token. */
export function accessOf(header: string | undefined, tokens: Map<string, Access>): Access | undefined {
  const token = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (!token) return undefined;
  for (const [known, access] of tokens) {
    const a = Buffer.from(known);
    const b = Buffer.from(token);
    if (a.length === b.length && timingSafeEqual(a, b)) return access;
  }
  return undefined;
}

/** Starts the protocol's server on a loopback port (0: any free one). */
export async function startRemoteCache(options: RemoteCacheOptions, port = 0, host = '127.0.0.1'): Promise<RemoteCacheServer> {
  mkdirSync(options.scratch, { recursive: true });
  const stats = { hits: 0, misses: 0, stored: 0, conflicts: 0, refused: 0 };
  const maxBytes = options.maxBytes ?? 2 ** 31;
  let uploads = 0;

  async function answer(
    req: IncomingMessage,
  ): Promise<{ status: number; body?: Readable; size?: number; text?: string; bytes?: number; error?: string }> {
    const match = /^\/v1\/cache\/([^/?]+)$/.exec(new URL(req.url ?? '/', 'http://cache').pathname);
    if (!match) return { status: 404, text: 'not found: the cache lives at /v1/cache/{hash}' };
    const hash = match[1]!;
    if (!HASH.test(hash)) return { status: 400, text: `not a task hash: ${hash}` };
    const access = accessOf(req.headers.authorization, options.tokens);
    if (!access) {
      stats.refused++;
      return { status: 401, text: 'a bearer token is needed: set NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN' };
    }
    if (req.method === 'GET') {
      const found = await options.store.get(hash);
      if (!found) {
        stats.misses++;
        return { status: 404, text: 'no such hash' };
      }
      stats.hits++;
      return { status: 200, body: found.body, size: found.size, bytes: found.size };
    }
    if (req.method !== 'PUT') return { status: 405, text: 'GET or PUT' };
    if (access !== 'write') {
      stats.refused++;
      return { status: 403, text: 'this token may read, not write (pull requests read the cache, pushes to main fill it)' };
    }
    const length = Number(req.headers['content-length']);
    if (!Number.isFinite(length)) return { status: 411, text: 'Content-Length is required' };
    if (length > maxBytes) return { status: 413, text: `the archive is ${length} bytes; this server takes at most ${maxBytes}` };
    const spool = join(options.scratch, `${hash}.${process.pid}.${++uploads}.upload`);
    try {
      await pipeline(req, createWriteStream(spool));
      if (statSync(spool).size !== length) return { status: 400, text: 'the body is shorter than its Content-Length' };
      if (!(await options.store.put(hash, spool))) {
        stats.conflicts++;
        return { status: 409, text: 'this hash is stored already, and is never overwritten' };
      }
      stats.stored++;
      return { status: 200, text: 'stored', bytes: length };
    } finally {
      rmSync(spool, { force: true });
    }
  }

  const server: Server = createServer((req, res) => {
    const hash = (req.url ?? '').split('/').at(-1) ?? '';
    answer(req)
      // The store's own words (paths, the service's answers) go to the log only.
      .catch(
        (error: unknown) =>
          ({ status: 500, text: 'the cache store failed; the server log says why', error: (error as Error).message }) as Awaited<
            ReturnType<typeof answer>
          >,
      )
      .then(async (result) => {
        if (result.body) {
          res.writeHead(result.status, { 'content-type': 'application/octet-stream', 'content-length': String(result.size) });
          await pipeline(result.body, res).catch(() => res.destroy());
        } else {
          // A refused upload is not read: close the connection rather than drain a large body.
          res.writeHead(result.status, { 'content-type': 'text/plain', ...(req.complete ? {} : { connection: 'close' }) });
          res.end(`${result.text ?? ''}\n`);
        }
        options.onRequest?.({
          method: req.method ?? '?',
          hash,
          status: result.status,
          bytes: result.bytes ?? 0,
          ...(result.error && { error: result.error }),
        });
      });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://${host}:${address.port}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        rmSync(options.scratch, { recursive: true, force: true });
      }),
  };
}

/** A folder of archives, one file per hash: how ci:local and the tests run the server, or a shared volume. */
export function directoryStore(dir: string): CacheStore {
  mkdirSync(dir, { recursive: true });
  return {
    description: `directory ${dir}`,
    get: async (hash) => {
      const file = join(dir, hash);
      if (!existsSync(file)) return undefined;
      return { body: createReadStream(file), size: statSync(file).size };
    },
    put: async (hash, spooled) => {
      // A hard link is atomic and fails on an existing name: a second writer of one hash loses, and no reader
      // ever sees half an archive.
      try {
        linkSync(spooled, join(dir, hash));
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
    },
  };
}

/** The part of GitHub's toolkit (`@actions/cache`) the Actions store uses: what the tests stand in for. */
export interface ActionsCacheApi {
  isFeatureAvailable(): boolean;
  /** Resolves the key it restored, or undefined for a miss (a failure is logged by the toolkit and is a miss). */
  restoreCache(paths: string[], primaryKey: string): Promise<string | undefined>;
  /** Resolves the entry's id, or -1 when it was not saved: the key exists already, or the service refused. */
  saveCache(paths: string[], key: string): Promise<number>;
}

/**
 * The GitHub Actions cache as a store, through the toolkit: one cache entry per hash, keyed `nx-<hash>`. The
 * service never overwrites an entry (a second save of a key cannot reserve it), which is the protocol's 409.
 * GitHub scopes the entries: a pull request reads main's, and what it could write only it could read.
 * The toolkit archives paths relative to the working directory and versions an entry by them, so the server
 * runs in the workspace root and every runner names an archive by the same relative path.
 */
export function actionsCacheStore(api: ActionsCacheApi): CacheStore {
  if (!api.isFeatureAvailable()) {
    throw new Error(
      'the GitHub Actions cache service is not reachable from this step (ACTIONS_RESULTS_URL or ACTIONS_CACHE_URL, and ACTIONS_RUNTIME_TOKEN, are unset): ' +
        'GitHub gives them to actions, not to run: steps; pass them in as the "Expose the Actions cache service" step of ci.yml does (docs/pipeline.md: "The Nx remote cache"), or use --store dir:PATH',
    );
  }
  const relative = (hash: string) => join('.nx', 'remote-cache', hash);
  mkdirSync(join('.nx', 'remote-cache'), { recursive: true });
  return {
    description: 'GitHub Actions cache',
    get: async (hash) => {
      const key = `nx-${hash}`;
      if ((await api.restoreCache([relative(hash)], key)) !== key) return undefined;
      const body = createReadStream(relative(hash));
      body.once('close', () => rmSync(relative(hash), { force: true }));
      return { body, size: statSync(relative(hash)).size };
    },
    put: async (hash, spooled) => {
      try {
        linkSync(spooled, relative(hash));
      } catch (error) {
        // Another upload of the hash is being saved, or a download of it is being served: it is stored already.
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw error;
      }
      try {
        return (await api.saveCache([relative(hash)], `nx-${hash}`)) !== -1;
      } finally {
        rmSync(relative(hash), { force: true });
      }
    },
  };
}
