// What the image smoke test checks of a running app, whether a container or a plain process serves it: ready,
// and answering MCP as itself. The script (smoke.ts) wires these to Docker, the clock and the output.
import { randomBytes } from 'node:crypto';
import { deploymentEnv, deploymentSecretEnv, type Manifest } from '@mcp-fleet/testing';

/**
 * The environment a container of the app gets in production, to start it so: PORT, the Deployment's plain values
 * (its allowed hosts also naming the loopback ones the smoke test reaches it by), and every variable it takes from
 * a Secret, each a throwaway value but DATABASE_URL, which must name a real database. Returned as KEY=VALUE lines
 * for `docker run --env-file`.
 */
export function containerEnv(app: string, manifests: Manifest[], options: { port: number; databaseUrl?: string }): string[] {
  const deployment = manifests.find((manifest) => manifest.kind === 'Deployment');
  if (!deployment) throw new Error(`${app}: its production overlay renders no Deployment`);
  const plain = deploymentEnv(deployment);
  if (plain.HTTP__ALLOWED_HOSTS) plain.HTTP__ALLOWED_HOSTS = `${plain.HTTP__ALLOWED_HOSTS},localhost,127.0.0.1`;
  const lines = [`PORT=${options.port}`, ...Object.entries(plain).map(([name, value]) => `${name}=${value}`)];
  for (const name of deploymentSecretEnv(deployment)) {
    if (name === 'DATABASE_URL') {
      if (!options.databaseUrl)
        throw new Error(`${app} needs DATABASE_URL (its Deployment takes it from a Secret); pass --database-url postgres://…`);
      lines.push(`DATABASE_URL=${options.databaseUrl}`);
    } else {
      lines.push(`${name}=${randomBytes(24).toString('hex')}`);
    }
  }
  return lines;
}

const PROTOCOL_VERSION = '2025-11-25';

/** One JSON-RPC request to the app, as a 2025-era client sends it; the answer from a JSON body or an event stream's last message. */
async function rpc(
  url: string,
  method: string,
  params: object,
): Promise<{ result?: Record<string, unknown>; error?: { message: string } }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': PROTOCOL_VERSION,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  const json = response.headers.get('content-type')?.startsWith('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .at(-1)
        ?.slice(6)
    : text;
  if (!json) throw new Error(`${method} answered an event stream without a message`);
  return JSON.parse(json) as { result?: Record<string, unknown>; error?: { message: string } };
}

export interface McpAnswers {
  server: string;
  version: string;
  tools: string[];
}

/** initialize and tools/list against the app's /mcp: it must answer as `app`, with at least one tool. */
export async function mcpChecks(url: string, app: string): Promise<McpAnswers> {
  const initialized = await rpc(url, 'initialize', {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'mcp-fleet-smoke', version: '1' },
  });
  if (initialized.error) throw new Error(`initialize failed: ${initialized.error.message}`);
  const info = initialized.result?.serverInfo as { name?: string; version?: string } | undefined;
  if (info?.name !== app) throw new Error(`initialize answered as ${JSON.stringify(info?.name)}, not ${app}: is ${url} the right app?`);
  const listed = await rpc(url, 'tools/list', {});
  if (listed.error) throw new Error(`tools/list failed: ${listed.error.message}`);
  const tools = ((listed.result?.tools ?? []) as { name: string }[]).map((tool) => tool.name);
  if (tools.length === 0) throw new Error('tools/list answered no tools');
  return { server: info.name, version: info.version ?? '?', tools };
}

/** The job summary's row for one app, under smokeSummaryHeader. */
export function smokeSummaryRow(app: string, answers: McpAnswers, readySeconds: number, imageBytes?: number): string {
  const size = imageBytes === undefined ? '–' : `${(imageBytes / 1_000_000).toFixed(1)} MB`;
  return `| ${app} | ${size} | ${readySeconds.toFixed(1)} s | ${answers.server} ${answers.version} | ${answers.tools.length} (${answers.tools.join(', ')}) |`;
}

export const smokeSummaryHeader = [
  '### Image smoke test',
  '',
  '| app | image size | ready in | initialize | tools/list |',
  '| --- | --- | --- | --- | --- |',
];
