import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import * as z from 'zod';

/** The keys every service has. An app adds its own with `loadConfig({ schema })`. */
export const runtimeConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  transport: z.enum(['http', 'stdio']).default('http'),
  http: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(1_048_576),
      /**
       * After answering before the body is read (413, 401, 403), how much more of it to read and discard, and for
       * how long, so that the client gets to read the answer (a lingering close); past either the connection is dropped.
       */
      lingerBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1_048_576),
      lingerMs: z.number().int().positive().default(10_000),
      /**
       * Serve modern single requests on pooled instances connected once (the fast lane); off sends every request
       * through the SDK's HTTP entry, answering the same, slower.
       */
      fastLane: z.boolean().default(true),
      /** Serve 2025-era clients with real sessions (Mcp-Session-Id) instead of the stateless fallback. */
      legacySessions: z.boolean().default(false),
      sessionIdleMs: z.number().int().positive().default(600_000),
      maxSessions: z.number().int().positive().default(1000),
      /** Open subscriptions/listen streams, at most; a listen past it is refused (-32603) and the client tries again. */
      maxSubscriptions: z.number().int().positive().max(1_000_000).default(1024),
      /**
       * How many proxies in front of the service to believe about the client's address (the Ingress is 1): the
       * address is read that many hops back in X-Forwarded-For. 0, the default, uses the connection's address.
       */
      trustProxy: z.number().int().min(0).default(0),
      /**
       * Host names clients reach the service by (DNS-rebinding protection). Empty: the loopback names on a loopback
       * bind, the domain invoked in a function; on any other bind it must be set (the manifests set it from the
       * Ingress host). "*" accepts any host, for a service behind a proxy that checks it.
       */
      allowedHosts: z.array(z.string().min(1).max(253)).max(100).default([]),
      /**
       * Browser origins (host names) that may call the service. Empty: the loopback origins on a loopback bind, no
       * browser origin anywhere else. A request without Origin (any client but a browser) passes. "*" accepts any.
       */
      allowedOrigins: z.array(z.string().min(1).max(253)).max(100).default([]),
    })
    .prefault({}),
  /**
   * Test only: SIGUSR2 switches a fault on and off in the running process, under which every tools/call is answered
   * 500 with an internal error (counted as server_error), so that alerts can be proven on a live service. Refused
   * outside MCP_ENV test and development.
   */
  faults: z.strictObject({ toggleOnSignal: z.boolean().default(false) }).prefault({}),
  shutdown: z
    .strictObject({
      /** How long in-flight requests may take to finish after SIGTERM; match terminationGracePeriodSeconds. */
      graceMs: z.number().int().positive().default(10_000),
      /** How long to keep serving with /readyz false before closing the listener, so load balancers stop sending first. */
      drainDelayMs: z.number().int().min(0).default(0),
    })
    .prefault({}),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;
type AppShape = z.ZodRawShape;
export type Config<S extends AppShape = Record<never, never>> = RuntimeConfig & z.infer<z.ZodObject<S>> & { environment: string };

export interface LoadConfigOptions<S extends AppShape> {
  /** The folder with base.yaml and <env>.yaml. */
  dir: string | URL;
  /** The app's own keys, checked together with the runtime's. */
  schema?: z.ZodObject<S>;
  env?: Record<string, string | undefined>;
}

/** Every problem found in the configuration at once, each with its key, value, source and expectation. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`config: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

/** The only environments where a test-only fault may be switched on. */
const FAULT_ENVIRONMENTS = ['test', 'development'];

/**
 * base.yaml <- <MCP_ENV>.yaml <- environment variables. Environment names follow the schema:
 * `logLevel` is LOG_LEVEL, `http.maxBodyBytes` is HTTP__MAX_BODY_BYTES.
 */
export function loadConfig<S extends AppShape = Record<never, never>>(options: LoadConfigOptions<S>): Config<S> {
  const env = options.env ?? process.env;
  const dir = typeof options.dir === 'string' ? options.dir : fileURLToPath(options.dir);
  const schema = options.schema ? runtimeConfigSchema.extend(options.schema.shape) : runtimeConfigSchema;
  const envName = env.MCP_ENV || 'development';
  const problems: string[] = [];
  const sources = new Map<string, string>();
  const merged: Tree = {};

  if (!/^[a-z0-9][a-z0-9-]*$/.test(envName)) {
    throw new ConfigError([`MCP_ENV must be lowercase letters, digits and dashes, got ${JSON.stringify(envName)}`]);
  }
  const envFile = join(dir, `${envName}.yaml`);
  if (env.MCP_ENV && !existsSync(envFile)) {
    throw new ConfigError([
      `MCP_ENV is ${JSON.stringify(envName)} but ${envFile} does not exist; create it or use one of: ${listEnvironments(dir).join(', ')}`,
    ]);
  }
  for (const file of [join(dir, 'base.yaml'), envFile]) {
    const tree = readYaml(file, problems);
    if (tree) mergeInto(merged, tree, file, sources);
  }
  mergeInto(merged, readEnv(schema, env, sources), undefined, sources);

  const result = schema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(describeIssue(issue, merged, sources));
  } else if (result.data.faults.toggleOnSignal && !FAULT_ENVIRONMENTS.includes(envName)) {
    problems.push(
      `faults.toggleOnSignal = true (from ${sources.get('faults.toggleOnSignal') ?? 'config'}): a test-only fault, refused in MCP_ENV=${envName}; remove it (allowed in ${FAULT_ENVIRONMENTS.join(' and ')} only)`,
    );
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return { ...(result.data as Config<S>), environment: envName };
}

function listEnvironments(dir: string): string[] {
  const names = ['development', 'test', 'staging', 'production'];
  return names.filter((name) => existsSync(join(dir, `${name}.yaml`)));
}

function readYaml(file: string, problems: string[]): Tree | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const value: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (value === null || value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${file} must hold a mapping of keys, got ${Array.isArray(value) ? 'a list' : typeof value}`);
      return undefined;
    }
    return value as Tree;
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    problems.push(`${file}${where} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function mergeInto(target: Tree, source: Tree, file: string | undefined, sources: Map<string, string>, path = ''): void {
  for (const [key, value] of Object.entries(source)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (isTree(value)) {
      if (!isTree(target[key])) target[key] = {};
      mergeInto(target[key] as Tree, value, file, sources, keyPath);
      continue;
    }
    target[key] = value;
    if (file) sources.set(keyPath, file);
  }
}

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the environment variables the schema names, converted to the type the schema expects. */
function readEnv(schema: z.ZodObject, env: Record<string, string | undefined>, sources: Map<string, string>, prefix = '', path = ''): Tree {
  const tree: Tree = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const name = prefix + toEnvName(key);
    const keyPath = path ? `${path}.${key}` : key;
    const inner = unwrap(field as z.ZodType);
    if (inner instanceof z.ZodObject) {
      const child = readEnv(inner, env, sources, `${name}__`, keyPath);
      if (Object.keys(child).length > 0) tree[key] = child;
      continue;
    }
    const raw = env[name];
    if (raw === undefined) continue;
    tree[key] = coerce(raw, inner);
    sources.set(keyPath, `env ${name}`);
  }
  return tree;
}

function toEnvName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodPrefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

// An unconvertible value stays a string, so the schema reports it as it was given.
function coerce(raw: string, schema: z.ZodType): unknown {
  if (schema instanceof z.ZodNumber) {
    const number = Number(raw);
    return raw.trim() !== '' && Number.isFinite(number) ? number : raw;
  }
  if (schema instanceof z.ZodBoolean) {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    return raw;
  }
  if (schema instanceof z.ZodArray) {
    return raw === '' ? [] : raw.split(',').map((item) => coerce(item.trim(), schema.element as z.ZodType));
  }
  return raw;
}

function describeIssue(issue: z.core.$ZodIssue, merged: Tree, sources: Map<string, string>): string {
  if (issue.code === 'unrecognized_keys') {
    const base = issue.path.join('.');
    return issue.keys
      .map((key) => {
        const keyPath = base ? `${base}.${key}` : key;
        return `${keyPath} is not a known key (from ${sources.get(keyPath) ?? 'config'}); check its spelling`;
      })
      .join('\n  - ');
  }
  const keyPath = issue.path.join('.');
  const value = issue.path.reduce<unknown>((node, key) => (isTree(node) ? node[key as string] : undefined), merged);
  const source = sources.get(keyPath);
  const from = source ? ` (from ${source})` : '';
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  return `${keyPath} = ${shown}${from}: ${issue.message}`;
}
