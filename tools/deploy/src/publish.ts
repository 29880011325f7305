import { existsSync, readFileSync } from 'node:fs';

export interface PublishOptions {
  /** The server.json to publish (the registry generator's, apps/<app>/deploy/overlays/<environment>/server.json). */
  file: string;
  /** The registry's base URL: https, or http on loopback only, since the token goes with it. */
  registry: string;
  token: string | undefined;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export type PublishOutcome =
  { status: 'published' | 'already-published'; name: string; version: string } | { status: 'failed'; problem: string };

/**
 * Publishes an app's registry entry through the MCP Registry API (POST /v0/publish with a bearer token) unless
 * that version is there already (GET /v0/servers/{name}/versions/{version}): a deploy of an unchanged version
 * publishes nothing and does not fail.
 */
export async function publishServerJson(options: PublishOptions): Promise<PublishOutcome> {
  const failed = (problem: string): PublishOutcome => ({ status: 'failed', problem });
  let registry: URL;
  try {
    registry = new URL(options.registry);
  } catch {
    return failed(`the registry URL ${JSON.stringify(options.registry.slice(0, 200))} is not a URL (MCP_REGISTRY_URL or --registry)`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(registry.hostname);
  if (registry.protocol !== 'https:' && !(registry.protocol === 'http:' && loopback))
    return failed(`the registry ${registry.origin} is not https: the token would travel in the clear`);
  if (!options.token) return failed('MCP_REGISTRY_TOKEN is not set: the registry takes a publish only with a bearer token');
  if (!existsSync(options.file))
    return failed(`${options.file} does not exist: run npx nx g @mcp-fleet/nx-plugin:registry and commit what it writes`);
  const text = readFileSync(options.file, 'utf8');
  let entry: { name?: unknown; version?: unknown };
  try {
    entry = JSON.parse(text) as typeof entry;
  } catch (error) {
    return failed(`${options.file} is not JSON (${(error as Error).message}); the registry generator writes it, never a hand`);
  }
  if (typeof entry.name !== 'string' || typeof entry.version !== 'string')
    return failed(`${options.file} has no name and version; the registry generator writes them`);
  const { name, version } = entry;
  const fetchWith = options.fetch ?? fetch;
  const base = registry.href.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
  const signal = () => AbortSignal.timeout(options.timeoutMs ?? 30_000);
  try {
    const known = await fetchWith(`${base}/v0/servers/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`, {
      headers,
      signal: signal(),
    });
    await known.body?.cancel();
    if (known.ok) return { status: 'already-published', name, version };
    if (known.status !== 404) return failed(`the registry answered ${known.status} when asked for ${name} ${version}`);
    const published = await fetchWith(`${base}/v0/publish`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: text,
      signal: signal(),
    });
    const answer = (await published.text()).slice(0, 500);
    if (!published.ok) return failed(`the registry refused ${name} ${version} with ${published.status}: ${answer}`);
    return { status: 'published', name, version };
  } catch (error) {
    return failed(`the registry ${registry.origin} could not be reached: ${(error as Error).message}`);
  }
}
