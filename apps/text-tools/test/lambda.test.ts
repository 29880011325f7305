import {
  heapAfterGc,
  hostileEvents,
  hostileRequests,
  installStreamingRuntime,
  lambdaContext,
  lambdaFetch,
  lambdaStreamFetch,
  toLambdaEvent,
  type EventKind,
} from '@mcp-fleet/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Entry from '../src/lambda';

// text-tools' own Lambda entry (src/lambda.ts), imported as the function's init would, driven with the events
// API Gateway and Function URLs send and by the real SDK clients through a fetch that makes those events.
let entry: typeof Entry;
let removeRuntime: () => void;
/** What the function wrote with process.stdout.write: its EMF metric lines (the logs go to fd 1 through pino). */
const emf: { Service: string; Requests: number; ServerErrors: number; method: string; tool: string; outcome: string }[] = [];

beforeAll(async () => {
  vi.stubEnv('MCP_ENV', 'test');
  vi.stubEnv('LOG_LEVEL', 'error');
  vi.spyOn(process.stdout, 'write').mockImplementation((line) => emf.push(JSON.parse(String(line)) as (typeof emf)[number]) > 0);
  removeRuntime = installStreamingRuntime();
  entry = await import('../src/lambda');
});
afterAll(() => {
  removeRuntime();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const url = (kind: EventKind) =>
  new URL(
    kind === 'rest-api'
      ? 'https://1234567890.execute-api.us-east-1.amazonaws.com/mcp'
      : kind === 'http-api'
        ? 'https://api1234.execute-api.us-east-1.amazonaws.com/mcp'
        : 'https://abcdefg.lambda-url.us-east-1.on.aws/mcp',
  );

async function modern(fetch: typeof globalThis.fetch, kind: EventKind = 'function-url') {
  const client = new Client({ name: 'lambda-v2', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await client.connect(new StreamableHTTPClientTransport(url(kind), { fetch }));
  return client;
}

async function legacy(fetch: typeof globalThis.fetch, kind: EventKind = 'function-url') {
  const client = new V1Client({ name: 'lambda-v1', version: '0' });
  const transport = new V1Transport(url(kind), { fetch });
  await client.connect(transport);
  return { client, transport };
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  new Request(url('function-url'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-11-25',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe.each<EventKind>(['function-url', 'http-api', 'rest-api'])('text-tools as a function behind %s', (kind) => {
  it('serves the 2026-07-28 era to the SDK v2 client', async () => {
    const client = await modern(lambdaFetch(entry.handler, kind), kind);
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    expect((await client.callTool({ name: 'calculate_sum', arguments: { numbers: [1, 2, 3, 4, 5] } })).structuredContent).toEqual({
      sum: 15,
    });
    expect((await client.listTools()).tools.map((tool) => tool.name).sort()).toEqual(['calculate_sum', 'echo', 'format_text', 'wait']);
    await client.close();
  });

  it('serves a 2025-era SDK v1 client statelessly: tools, resources, prompts', async () => {
    const { client, transport } = await legacy(lambdaFetch(entry.handler, kind), kind);
    expect(transport.sessionId).toBeUndefined();
    expect((await client.callTool({ name: 'format_text', arguments: { text: 'hello world', format: 'uppercase' } })).content).toEqual([
      { type: 'text', text: 'HELLO WORLD' },
    ]);
    const read = await client.readResource({ uri: 'text-tools://formats' });
    expect(JSON.parse(String((read.contents[0] as { text: string }).text))).toHaveLength(4);
    expect((await client.getPrompt({ name: 'format_request', arguments: { text: 'hi', format: 'title' } })).messages).toHaveLength(1);
    await client.close();
  });
});

describe('text-tools as a function: what the HTTP entry answers, the same', () => {
  const invoke = lambdaFetch((event, context) => entry.handler(event, context));

  it('answers GET and DELETE on /mcp with 405, as the HTTP entry does', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await invoke(url('function-url'), { method, headers: { accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
    }
  });

  it('reads a base64 body, as API Gateway sends one with binary media types on', async () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'über base64 ✓' } } };
    const event = await toLambdaEvent(post(call), 'http-api');
    const encoded = { ...event, body: Buffer.from(JSON.stringify(call)).toString('base64'), isBase64Encoded: true };
    const result = (await entry.handler(encoded, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('über base64 ✓');
  });

  it('answers a body over http.maxBodyBytes with 413, a body that is not JSON with 400, and still serves', async () => {
    const tooLarge = await invoke(
      post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x'.repeat(1_100_000) } } }),
    );
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { message: string } }).error.message).toBe(
      'Request body exceeds 1048576 bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES',
    );
    expect((await invoke(post('{not json'))).status).toBe(400);
    const client = await modern(invoke);
    expect((await client.callTool({ name: 'echo', arguments: { message: 'still here' } })).content).toEqual([
      { type: 'text', text: 'still here' },
    ]);
    await client.close();
  });

  it("keeps the client's X-Request-Id, or answers with the Lambda request id", async () => {
    const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
    expect((await invoke(post(ping, { 'x-request-id': 'trace-42' }))).headers.get('x-request-id')).toBe('trace-42');
    expect((await invoke(post(ping))).headers.get('x-request-id')).toMatch(/^c6af9ac6-7b61-11e6-9a41-\d{12}$/);
  });
});

describe('text-tools as a function under hostile input', () => {
  it('answers 10,000 hostile events (payload 2.0, 1.0, and shapes no HTTP source sends) without a server error or a failed invocation, in bounded memory', async () => {
    const statuses = new Map<number, number>();
    const serverErrors: Record<number, unknown[]> = {};
    const invoke = async (events: unknown[]) => {
      for (const event of events) {
        const status = ((await entry.handler(event as never, lambdaContext())) as APIGatewayProxyStructuredResultV2).statusCode!;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) (serverErrors[status] ??= []).push(event);
      }
      // What this test keeps of them (the EMF lines, the spy's record of each write) is not the function's.
      emf.length = 0;
      vi.mocked(process.stdout.write).mockClear();
    };
    // A first round makes what the first requests of each kind make once; what the next 10,000 keep is growth.
    await invoke(hostileEvents(hostileRequests(1_000, 7), url('function-url').host));
    const before = heapAfterGc();
    await invoke(hostileEvents(hostileRequests(10_000), url('function-url').host));
    const growth = heapAfterGc() - before;
    expect(serverErrors).toEqual({});
    expect(statuses.get(400)).toBeGreaterThan(1000);
    // The runtime's bounded memos (hosts, origins, envelopes) fill up to a few MB; a kilobyte kept per event is 10 MB more.
    expect(growth, `+${(growth / 1024 / 1024).toFixed(1)} MB`).toBeLessThan(12 * 1024 * 1024);
    const client = await modern(lambdaFetch(entry.handler));
    expect((await client.callTool({ name: 'echo', arguments: { message: 'still here' } })).content).toEqual([
      { type: 'text', text: 'still here' },
    ]);
    await client.close();
  });
});

describe('text-tools as a function: its metrics', () => {
  it('writes one CloudWatch EMF line per invocation, with the outcome its Prometheus counter would take', async () => {
    const from = emf.length;
    const client = await modern(lambdaFetch(entry.handler));
    await client.callTool({ name: 'echo', arguments: { message: 'counted' } });
    await client.callTool({ name: 'format_text', arguments: { text: 'x', format: 'no-such-format' } }).catch(() => undefined);
    await client.close();
    expect(
      emf.slice(from).map((line) => `${line.Service} ${line.method} ${line.tool} ${line.outcome} ${line.Requests} ${line.ServerErrors}`),
    ).toEqual([
      'text-tools server/discover  ok 1 0',
      'text-tools tools/call echo ok 1 0',
      'text-tools tools/call format_text client_error 1 0',
    ]);
  });
});

describe('text-tools through a Function URL with response streaming', () => {
  it('answers a 2025-era call as an event stream, with its status and headers in the prelude', async () => {
    const response = await lambdaStreamFetch(entry.streamingHandler)(
      post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'wait', arguments: { ms: 50 } } }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-request-id')).toMatch(/^c6af9ac6-/);
    expect(await response.text()).toMatch(
      /^event: message\ndata: \{"result":\{"content":\[\{"type":"text","text":"waited 50 ms"\}\]\},"jsonrpc":"2.0","id":1\}\n\n$/,
    );
  });

  it('serves both SDK clients over the streaming handler', async () => {
    const fetch = lambdaStreamFetch(entry.streamingHandler);
    const client = await modern(fetch);
    expect((await client.callTool({ name: 'echo', arguments: { message: 'streamed' } })).content).toEqual([
      { type: 'text', text: 'streamed' },
    ]);
    await client.close();
    const { client: old } = await legacy(fetch);
    expect((await old.callTool({ name: 'calculate_sum', arguments: { numbers: [2, 3] } })).structuredContent).toEqual({ sum: 5 });
    await old.close();
  });
});
