import type { McpFleet } from '@mcp-fleet/fleet-manifest';
import { parse } from 'yaml';
import * as z from 'zod';

/**
 * The revision of the MCP Registry's server.json format written here (github.com/modelcontextprotocol/registry,
 * docs/reference/server-json): what MCP registries read, GitHub's organisation allow-lists and ToolHive's among them.
 */
export const SERVER_SCHEMA = 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

/** Where an app's registry entry for one environment lives, from its folder: beside that environment's overlay. */
export const serverJsonFile = (environment: string) => `deploy/overlays/${environment}/server.json`;

/**
 * The official schema's rules for every field written here, so that an entry that breaks one is never written
 * (the registry would refuse it on publishing, after the deploy).
 */
const serverDetail = z.strictObject({
  $schema: z.literal(SERVER_SCHEMA),
  name: z
    .string()
    .min(3)
    .max(200)
    .regex(/^[a-zA-Z0-9.-]+\/[a-zA-Z0-9._-]+$/, { error: 'must be reverse-DNS/name, e.g. com.example.mcp/documents' }),
  description: z.string().min(1).max(100),
  version: z
    .string()
    .min(1)
    .max(255)
    .refine((version) => version !== 'latest' && !/^[\^~<>=]|[*x]$|\.x\./.test(version), { error: 'must be one version, not a range' }),
  remotes: z
    .array(
      z.strictObject({
        type: z.literal('streamable-http'),
        url: z.string().regex(/^https?:\/\/[^\s]+$/, { error: 'must be an http(s) URL' }),
      }),
    )
    .min(1),
  _meta: z.strictObject({ 'io.modelcontextprotocol.registry/publisher-provided': z.record(z.string(), z.unknown()) }),
});
export type ServerDetail = z.infer<typeof serverDetail>;

/**
 * The host an environment gives an app's Ingress: the value its component (deploy/environments/<name>) patches in,
 * with the first label made the app's name as its replacement does; undefined when it patches none.
 */
export function environmentHost(component: string, app: string): string | undefined {
  const { patches = [] } = (parse(component) ?? {}) as { patches?: { target?: { kind?: string }; patch?: string }[] };
  for (const { target, patch } of patches) {
    if (target?.kind !== 'Ingress' || !patch) continue;
    const ops = (parse(patch) ?? []) as { op?: string; path?: string; value?: unknown }[];
    const host = ops.find((op) => op.path === '/spec/rules/0/host')?.value;
    if (typeof host === 'string') return [app, ...host.split('.').slice(1)].join('.');
  }
  return undefined;
}

export interface RegistryInput {
  app: string;
  /** The app's package.json: its description and version. */
  packageJson: { description?: string; version?: string };
  fleet: McpFleet;
  environment: string;
  /** The environment's Ingress host for the app (environmentHost). */
  host: string;
}

/** An app's server.json for one environment, or the problems that keep it from being a valid one. */
export function serverJson(input: RegistryInput): { document: ServerDetail; problems: [] } | { document: undefined; problems: string[] } {
  const base = `https://${input.host}`;
  const meta = {
    environment: input.environment,
    ...(input.fleet.auth === 'oauth'
      ? { authorization: { type: 'oauth2', protectedResourceMetadata: `${base}/.well-known/oauth-protected-resource/mcp` } }
      : {}),
  };
  const candidate = {
    $schema: SERVER_SCHEMA,
    // Reverse DNS of the domain the app is served under: the namespace a registry verifies by that domain.
    name: `${input.host.split('.').slice(1).reverse().join('.')}/${input.app}`,
    description: input.packageJson.description ?? '',
    version: input.packageJson.version ?? '',
    remotes: [{ type: 'streamable-http', url: `${base}/mcp` }],
    _meta: { 'io.modelcontextprotocol.registry/publisher-provided': { 'mcp-fleet': meta } },
  };
  const checked = serverDetail.safeParse(candidate);
  if (checked.success) return { document: checked.data, problems: [] };
  return {
    document: undefined,
    problems: checked.error.issues.map(
      (issue) =>
        `apps/${input.app} ${input.environment} server.json ${issue.path.join('.')} is ${JSON.stringify(pathValue(candidate, issue.path))}: ${issue.message}${fixOf(issue.path)}`,
    ),
  };
}

/** The file the registry generator writes: the document, as formatFiles leaves it. */
export const renderServerJson = (document: ServerDetail): string => `${JSON.stringify(document, null, 2)}\n`;

function pathValue(value: unknown, path: PropertyKey[]): unknown {
  return path.reduce<unknown>((at, key) => (at as Record<PropertyKey, unknown> | undefined)?.[key], value);
}

function fixOf(path: PropertyKey[]): string {
  if (path[0] === 'description') return ' (from its package.json description)';
  if (path[0] === 'version') return ' (from its package.json version)';
  if (path[0] === 'name' || path[0] === 'remotes') return " (from the environment's Ingress host)";
  return '';
}
