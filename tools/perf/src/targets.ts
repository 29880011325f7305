import { type LoadCall, readApp, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { isLoopbackHost } from '@mcp-fleet/runtime';
import { connectHttpClient, startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { $ } from 'zx';

/** The flags that choose a target and a call, shared by load and soak (their --help says what each does). */
export const TARGET_FLAGS = {
  app: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  login: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  tool: { type: 'string' },
  args: { type: 'string' },
} as const;

/** resolveTarget's options from parsed TARGET_FLAGS. */
export function targetOptions(values: {
  app?: string;
  url?: string;
  token?: string;
  login?: string;
  'allow-remote'?: boolean;
  tool?: string;
  args?: string;
}): TargetOptions {
  const { 'allow-remote': allowRemote, ...rest } = values;
  return { ...rest, allowRemote };
}

export interface TargetOptions {
  app?: string;
  url?: string;
  token?: string;
  tool?: string;
  /** JSON text of the tool's arguments. */
  args?: string;
  /** "user:password": call the service's login tool first and use the token it returns. */
  login?: string;
  allowRemote?: boolean;
}

export interface Target {
  url: string;
  token?: string;
  /** The call to make: --tool/--args, else the app's `mcpFleet.loadCall` in its package.json, else echo. */
  call: LoadCall;
  /** The local process, when the script started it (its pid is what a soak samples). */
  process?: ServerProcess;
  stop(): Promise<void>;
}

/** Load is sent only to this machine unless the caller says otherwise: a typo must not load a production service. */
export function checkTargetUrl(url: string, allowRemote: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--url must be a URL such as http://127.0.0.1:3001/mcp, got "${url}"`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new Error(`--url must be http:// or https://, got "${url}"`);
  if (!allowRemote && !isLoopbackHost(parsed.hostname)) {
    throw new Error(`--url ${url} is not on this machine; pass --allow-remote to send load to ${parsed.hostname}`);
  }
}

/**
 * Builds and starts --app on a free loopback port, or checks --url; settles the call to make; logs in if asked
 * to; and checks that the tool exists, so that a typo fails at once instead of as thousands of errors.
 */
export async function resolveTarget(options: TargetOptions, say: (line: string) => void): Promise<Target> {
  if (Boolean(options.app) === Boolean(options.url)) throw new Error('give either --app NAME or --url URL');
  const call = settleCall(options);
  let target: Target;
  if (options.app) {
    say(`building ${options.app} …`);
    await $({ cwd: workspaceRoot(), quiet: true })`npx nx run ${options.app}:build --output-style=static`;
    // Its logs are not read: parsing thousands of lines a second would take CPU from the clients making the load.
    const server = await startServerProcess({ app: options.app, coverageDir: false, keepLogs: false });
    say(`started ${options.app} at ${server.url} (pid ${server.pid})`);
    target = { url: server.url, call, process: server, stop: async () => void (await server.stop()) };
  } else {
    checkTargetUrl(options.url!, options.allowRemote ?? false);
    target = { url: options.url!, call, stop: async () => undefined };
  }
  try {
    target.token = options.token ?? process.env.MCP_TOKEN;
    const credentials = options.login ?? (options.token ? undefined : call.login);
    if (credentials) target.token = await login(target.url, credentials);
    await checkTool(target.url, call.tool);
  } catch (error) {
    await target.stop();
    throw error;
  }
  return target;
}

function settleCall(options: TargetOptions): LoadCall {
  let args: Record<string, unknown> | undefined;
  if (options.args !== undefined) {
    try {
      args = JSON.parse(options.args) as Record<string, unknown>;
    } catch {
      throw new Error(`--args must be a JSON object such as '{"message":"hi"}', got ${options.args}`);
    }
  }
  if (options.tool) return { tool: options.tool, arguments: args ?? {} };
  const declared = options.app ? readLoadCall(options.app) : undefined;
  if (declared) return { ...declared, arguments: args ?? declared.arguments };
  return { tool: 'echo', arguments: args ?? { message: 'load test' } };
}

const readLoadCall = (app: string): LoadCall | undefined => readApp(workspaceRoot(), app)?.loadCall;

async function checkTool(url: string, tool: string): Promise<void> {
  const client = await connectHttpClient(url, { name: 'mcp-fleet-load' });
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    if (!names.includes(tool)) throw new Error(`the service has no tool "${tool}"; its tools: ${names.join(', ')}; pick one with --tool`);
  } finally {
    await client.close();
  }
}

async function login(url: string, credentials: string): Promise<string> {
  const colon = credentials.indexOf(':');
  if (colon < 1) throw new Error(`--login must be user:password, got "${credentials}"`);
  const client = await connectHttpClient(url, { name: 'mcp-fleet-load' });
  try {
    const result = await client.callTool({
      name: 'login',
      arguments: { username: credentials.slice(0, colon), password: credentials.slice(colon + 1) },
    });
    const token = (result.structuredContent as { access_token?: string } | undefined)?.access_token;
    if (result.isError || !token) throw new Error(`--login failed: ${JSON.stringify(result.content)}`);
    return token;
  } finally {
    await client.close();
  }
}
