import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { connectHttpClient, hostileRequests, sendHostile, startServerProcess, waitUntil, type ServerProcess } from '@mcp-fleet/testing';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const modernClient = (url: string) => connectHttpClient(url, { name: 'e2e-v2' });

async function legacyClient(url: string): Promise<{ client: V1Client; transport: V1Transport }> {
  const client = new V1Client({ name: 'e2e-v1', version: '0' });
  const transport = new V1Transport(new URL(url));
  await client.connect(transport);
  return { client, transport };
}

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
}

/** The value of the Prometheus sample with exactly these labels, in any order; NaN when there is none. */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(',');
  for (const line of text.split('\n')) {
    const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] === name && match[2]!.split(',').sort().join(',') === wanted) return Number(match[3]);
  }
  return Number.NaN;
}

/** The service still answers a real call: what every bad-input test checks after its rejection. */
async function expectStillServing(url: string): Promise<void> {
  const client = await modernClient(url);
  const result = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
  expect(result.content).toEqual([{ type: 'text', text: 'still here' }]);
  await client.close();
}

/** Resolves once the process has a request in flight (its own gauge says so), instead of guessing how long that takes. */
const inFlight = (server: ServerProcess) =>
  waitUntil(async () => /^mcp_requests_in_flight(\{[^}]*\})? [1-9]/m.test(await (await fetch(`${server.baseUrl}/metrics`)).text()), {
    what: 'a request in flight',
  });

describe('text-tools as a process, stateless (the default)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: 'text-tools' });
  });
  afterAll(async () => {
    expect((await server.stop()).code).toBe(0);
  });

  it('serves the 2026-07-28 era to the SDK v2 client', async () => {
    const client = await modernClient(server.url);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const result = await client.callTool({ name: 'calculate_sum', arguments: { numbers: [1, 2, 3, 4, 5] } });
    expect(result.structuredContent).toEqual({ sum: 15 });
    await client.close();
  });

  it('serves a 2025-era SDK v1 client statelessly, without a session', async () => {
    const { client, transport } = await legacyClient(server.url);
    expect(transport.sessionId).toBeUndefined();
    const result = await client.callTool({ name: 'format_text', arguments: { text: 'hello world', format: 'uppercase' } });
    expect(result.content).toEqual([{ type: 'text', text: 'HELLO WORLD' }]);
    await client.close();
  });

  it('serves resources, prompts and every format to the 2025-era client', async () => {
    const { client } = await legacyClient(server.url);
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(['text-tools://formats']);
    const read = await client.readResource({ uri: 'text-tools://formats' });
    expect(JSON.parse(String((read.contents[0] as { text: string }).text))).toHaveLength(4);
    const prompt = await client.getPrompt({ name: 'format_request', arguments: { text: 'hi', format: 'title' } });
    expect(prompt.messages).toHaveLength(1);
    const formatted: Record<string, unknown> = {};
    for (const format of ['uppercase', 'lowercase', 'capitalize', 'title']) {
      const result = await client.callTool({ name: 'format_text', arguments: { text: 'hello WORLD', format } });
      formatted[format] = (result.content as { text: string }[])[0]?.text;
    }
    expect(formatted).toEqual({ uppercase: 'HELLO WORLD', lowercase: 'hello world', capitalize: 'Hello world', title: 'Hello World' });
    await client.close();
  });

  it('cancels a call whose client gave up, and keeps serving', async () => {
    const client = await modernClient(server.url);
    const controller = new AbortController();
    const call = client.callTool({ name: 'wait', arguments: { ms: 20_000 } }, { signal: controller.signal });
    await inFlight(server);
    controller.abort();
    await expect(call).rejects.toThrow();
    await client.close();
    await expectStillServing(server.url);
  });

  it('answers the probes', async () => {
    const health = await fetch(`${server.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, status: 'ready' });
  });

  it('counts requests by method and tool on /metrics', async () => {
    const client = await modernClient(server.url);
    await client.callTool({ name: 'echo', arguments: { message: 'counted' } });
    await client.close();
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    const labels = { method: 'tools/call', tool: 'echo', service: 'text-tools' };
    expect(metricValue(metrics, 'mcp_requests_total', { ...labels, outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'mcp_request_duration_seconds_count', labels)).toBeGreaterThanOrEqual(1);
    expect(metricValue(metrics, 'mcp_requests_in_flight', { service: 'text-tools' })).toBe(0);
    expect(metrics).toContain('process_resident_memory_bytes');
  });

  it('logs one JSON line per request with its request id', async () => {
    const response = await post(server.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'x-request-id': 'e2e-trace-42' });
    expect(response.headers.get('x-request-id')).toBe('e2e-trace-42');
    const line = await server.waitForLog((entry) => entry.requestId === 'e2e-trace-42');
    expect(line).toMatchObject({ msg: 'mcp request', method: 'ping', status: 200, service: 'text-tools' });
  });

  it('answers malformed JSON with a JSON-RPC parse error and keeps serving', async () => {
    const response = await post(server.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: number; message: string } };
    expect(body.error.code).toBe(-32700);
    expect(body.error.message).toMatch(/^Parse error: the body is not valid JSON/);
    await expectStillServing(server.url);
  });

  it('answers an oversized body with 413 naming the limit and keeps serving', async () => {
    const huge = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { message: 'x'.repeat(1_100_000) } },
    });
    const response = await post(server.url, huge);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
      'exceeds 1048576 bytes (http.maxBodyBytes)',
    );
    await expectStillServing(server.url);
  });

  it('refuses a wrong Host header (DNS rebinding) with 403 and keeps serving', async () => {
    // fetch() will not send a forged Host, so this uses node:http directly.
    const { request } = await import('node:http');
    const status = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(
        server.url,
        { method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }));
    });
    expect(status.code).toBe(403);
    expect(status.body).toContain('evil.example');
    await expectStillServing(server.url);
  });

  it('refuses a foreign Origin with 403', async () => {
    const response = await post(server.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), {
      origin: 'https://attacker.example',
    });
    expect(response.status).toBe(403);
  });

  it('answers an unknown path with 404 naming the endpoints', async () => {
    const response = await fetch(`${server.baseUrl}/nope`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('/mcp');
  });
});

describe('text-tools limiting its callers', () => {
  it('refuses an address its calls past the limit, before the handler, saying when to retry', async () => {
    const server = await startServerProcess({ app: 'text-tools', env: { RATE_LIMIT__POINTS: '3', RATE_LIMIT__DURATION_SEC: '60' } });
    try {
      const client = await modernClient(server.url);
      const texts: string[] = [];
      for (let call = 0; call < 4; call++)
        texts.push(((await client.callTool({ name: 'echo', arguments: { message: 'hi' } })).content as { text: string }[])[0]!.text);
      expect(texts.slice(0, 3)).toEqual(['hi', 'hi', 'hi']);
      expect(texts[3]).toMatch(/^rate limit exceeded for address 127\.0\.0\.1: 3 calls per 60 s; retry in \d+ s$/);
      await client.close();
    } finally {
      await server.stop();
    }
  });
});

describe('text-tools under hostile input', () => {
  it('answers 10,000 hostile requests without a server error, in a 96 MB heap, and keeps serving', async () => {
    // The old space capped well under the pod's 256 MiB: a process that kept what callers send would die of it.
    const server = await startServerProcess({ app: 'text-tools', nodeFlags: ['--liftoff-only', '--max-old-space-size=96'] });
    try {
      const run = await sendHostile(server.baseUrl, hostileRequests(10_000));
      expect(run.serverErrors).toEqual({});
      await expectStillServing(server.url);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});

describe('text-tools with legacy sessions', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: 'text-tools', env: { HTTP__LEGACY_SESSIONS: 'true' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('gives a 2025-era client a session, serves it, and ends it on DELETE', async () => {
    const { client, transport } = await legacyClient(server.url);
    const sessionId = transport.sessionId;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const result = await client.callTool({ name: 'echo', arguments: { message: 'in a session' } });
    expect(result.content).toEqual([{ type: 'text', text: 'in a session' }]);

    await transport.terminateSession();
    const after = await post(server.url, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' }), {
      'mcp-session-id': sessionId!,
      'mcp-protocol-version': '2025-11-25',
    });
    expect(after.status).toBe(404);
    await client.close();
  });

  it('still serves the 2026-07-28 era statelessly beside the sessions', async () => {
    await expectStillServing(server.url);
  });
});

describe('text-tools shutting down', () => {
  it('on SIGTERM goes unready, lets the in-flight call finish, and exits 0', async () => {
    const server = await startServerProcess({ app: 'text-tools', env: { SHUTDOWN__DRAIN_DELAY_MS: '400' } });
    const client = await modernClient(server.url);
    const slowCall = client.callTool({ name: 'wait', arguments: { ms: 1500 } });
    await inFlight(server);
    process.kill(server.pid, 'SIGTERM');
    await server.waitForLog((line) => line.msg === 'draining');
    const ready = await fetch(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, status: 'draining' });

    expect((await slowCall).content).toEqual([{ type: 'text', text: 'waited 1500 ms' }]);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await client.close();
  });

  it('exits 1 when the grace period has to cut a request', async () => {
    const server = await startServerProcess({ app: 'text-tools', env: { SHUTDOWN__GRACE_MS: '300' } });
    const client = await modernClient(server.url);
    const slowCall = client.callTool({ name: 'wait', arguments: { ms: 5000 } }).catch((error: Error) => error);
    await inFlight(server);
    expect(await server.stop('SIGTERM')).toEqual({ code: 1, signal: null });
    expect(await slowCall).toBeInstanceOf(Error);
    expect(server.logs.some((line) => line.msg === 'grace period over: cut requests still in flight' && line.cut === 1)).toBe(true);
    await client.close();
  });
});

describe('text-tools over stdio', () => {
  it.each([
    ['modern', { pin: '2026-07-28' }],
    ['legacy', 'legacy'],
  ] as const)('serves a local %s-era client, with logs on stderr so stdout stays protocol', async (era, mode) => {
    const root = workspaceRoot();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [join(root, 'apps/text-tools/dist/main.js')],
      env: {
        ...getDefaultEnvironment(),
        TRANSPORT: 'stdio',
        MCP_ENV: 'test',
        NODE_V8_COVERAGE: join(root, 'apps/text-tools/coverage/e2e-raw'),
      },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'e2e-stdio', version: '0' }, { versionNegotiation: { mode } });
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe(era);
    const result = await client.callTool({ name: 'calculate_sum', arguments: { numbers: [1, 2, 3, 4, 5] } });
    expect(result.structuredContent).toEqual({ sum: 15 });
    await client.close();
    expect(stderr).toContain('"msg":"serving"');
  });
});
