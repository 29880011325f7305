import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { createTestClient } from './test-client';

export interface InspectorOptions {
  /** HTTP headers, e.g. { Authorization: 'Bearer …' }. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Runs the MCP Inspector's CLI mode against a server over Streamable HTTP and returns its JSON answer: an
 * independent client, written by other people, for contract tests. `args` are its own flags, e.g.
 * ['--method', 'tools/call', '--tool-name', 'echo', '--tool-arg', 'message=hi'].
 */
export async function runInspector(url: string, args: string[], options: InspectorOptions = {}): Promise<unknown> {
  const cli = join(workspaceRoot(), 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
  if (!existsSync(cli)) throw new Error(`the MCP Inspector is not installed (${cli}); run npm ci`);
  const headers = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['--header', `${name}: ${value}`]);
  const child = spawn(process.execPath, [cli, '--cli', url, '--transport', 'http', ...headers, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`the Inspector exited ${code} for ${args.join(' ')}:\n${stderr || stdout}`);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`the Inspector did not print JSON for ${args.join(' ')}:\n${stdout}`);
  }
}

/** What a server offers, in a form two different clients can be compared on. */
export interface Surface {
  tools: { name: string; description?: string; inputSchema: unknown; outputSchema?: unknown }[];
  resources: { uri: string; name: string; mimeType?: string }[];
  resourceTemplates: { uriTemplate: string; name: string; mimeType?: string }[];
  prompts: { name: string; description?: string; arguments?: unknown }[];
}

type Lister = (method: string) => Promise<Record<string, unknown[]> | undefined>;

async function surface(list: Lister): Promise<Surface> {
  const [tools, resources, templates, prompts] = await Promise.all(
    ['tools/list', 'resources/list', 'resources/templates/list', 'prompts/list'].map((method) => list(method)),
  );
  const by =
    <T extends Record<string, unknown>>(key: string) =>
    (a: T, b: T) =>
      String(a[key]).localeCompare(String(b[key]));
  const items = (result: Record<string, unknown[]> | undefined, key: string) => (result?.[key] ?? []) as Record<string, unknown>[];
  return {
    tools: items(tools, 'tools')
      .map(
        ({ name, description, inputSchema, outputSchema }) =>
          ({ name, description, inputSchema, outputSchema }) as Surface['tools'][number],
      )
      .sort(by('name')),
    resources: items(resources, 'resources')
      .map(({ uri, name, mimeType }) => ({ uri, name, mimeType }) as Surface['resources'][number])
      .sort(by('uri')),
    resourceTemplates: items(templates, 'resourceTemplates')
      .map(({ uriTemplate, name, mimeType }) => ({ uriTemplate, name, mimeType }) as Surface['resourceTemplates'][number])
      .sort(by('uriTemplate')),
    prompts: items(prompts, 'prompts')
      .map(({ name, description, arguments: args }) => ({ name, description, arguments: args }) as Surface['prompts'][number])
      .sort(by('name')),
  };
}

/** The surface as the MCP Inspector sees it over HTTP; a list the server does not support counts as empty. */
export function surfaceViaInspector(url: string, options: InspectorOptions = {}): Promise<Surface> {
  return surface(async (method) => {
    try {
      return (await runInspector(url, ['--method', method], options)) as Record<string, unknown[]>;
    } catch (error) {
      if (/Method not found|-32601/.test((error as Error).message)) return undefined;
      throw error;
    }
  });
}

/** The surface a server factory declares, listed in-process through the SDK client. */
export async function declaredSurface(factory: Parameters<typeof createTestClient>[0]): Promise<Surface> {
  const { client, close } = await createTestClient(factory);
  const capabilities = client.getServerCapabilities() ?? {};
  try {
    return await surface(async (method) => {
      if (method.startsWith('tools') && !capabilities.tools) return undefined;
      if (method.startsWith('resources') && !capabilities.resources) return undefined;
      if (method.startsWith('prompts') && !capabilities.prompts) return undefined;
      const call = {
        'tools/list': () => client.listTools(),
        'resources/list': () => client.listResources(),
        'resources/templates/list': () => client.listResourceTemplates(),
        'prompts/list': () => client.listPrompts(),
      }[method]!;
      return (await call()) as unknown as Record<string, unknown[]>;
    });
  } finally {
    await close();
  }
}
