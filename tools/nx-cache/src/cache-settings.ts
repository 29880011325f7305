import type { Access } from './remote-cache';

/**
 * What a run may do to the shared Nx cache: a push to main fills it; a pull request (or any other event, a
 * dispatch on a branch) only reads it, so that a change nobody reviewed never lands in what main's runs reuse.
 * Outside GitHub Actions (ci:local, a developer's machine) the cache is the developer's own, and writable.
 */
export function cacheAccess(env: NodeJS.ProcessEnv): Access {
  if (env.GITHUB_ACTIONS !== 'true') return 'write';
  return env.GITHUB_EVENT_NAME === 'push' && env.GITHUB_REF === 'refs/heads/main' ? 'write' : 'read';
}

/** The lines, in GITHUB_ENV's KEY=value form, that point the Nx of later steps at a remote cache. */
export const nxCacheEnv = (url: string, token: string): string =>
  `NX_SELF_HOSTED_REMOTE_CACHE_SERVER=${url}\nNX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN=${token}\n`;
