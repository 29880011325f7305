import { Writable } from 'node:stream';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { access, createTokenIssuer, createTokenVerifier, standardChain, withMiddleware } from '@mcp-fleet/middleware';
import { createLogger, runtimeConfigSchema, serve, startTracing, type RunningService, type Tracing } from '@mcp-fleet/runtime';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { clientTraceContext, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
import { connectHttpClient } from './test-client';

// The runtime's traces as an OpenTelemetry collector receives them (OTLP/HTTP, decoded): one server span per MCP
// request, continuing the client's trace from params._meta, with the MCP semantic conventions' attributes, and
// its token check, rate limit and handler as children; both eras, the fast lane and the SDK's entry.
const TOKENS = { secret: 'tracing-secret-that-is-at-least-32-characters', issuer: 'tracing', audience: 'tracing' };
const open = { _meta: access({ public: true }) };

let receiver: OtlpReceiver;
let tracing: Tracing;
const lines: Record<string, unknown>[] = [];
const services: Record<'lane' | 'entry', RunningService> = {} as never;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  tracing = (await startTracing('traced', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }))!;
  const logger = createLogger({
    service: 'traced',
    level: 'info',
    traced: true,
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  });
  const middleware = standardChain({ logger, auth: true, rateLimit: { points: 1e6, durationSec: 60 } });
  const factory = () => {
    const server = withMiddleware(new McpServer({ name: 'traced', version: '1.0.0' }), middleware);
    server.registerTool('echo', { inputSchema: z.object({ message: z.string() }), ...open }, async ({ message }) => ({
      content: [{ type: 'text', text: message }],
    }));
    server.registerTool('returns_error', { inputSchema: z.object({}), ...open }, async () => ({
      content: [{ type: 'text', text: 'no such city' }],
      isError: true,
    }));
    server.registerTool('crash', { inputSchema: z.object({}), ...open }, async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'id')");
    });
    return server;
  };
  for (const [key, fastLane] of [
    ['lane', true],
    ['entry', false],
  ] as const) {
    services[key] = await serve(factory, {
      name: 'traced',
      config: runtimeConfigSchema.parse({ port: 0, http: { fastLane } }),
      handleSignals: false,
      logger,
      tracing,
      authenticate: createTokenVerifier(TOKENS),
    });
  }
});
afterAll(async () => {
  for (const service of Object.values(services)) await service?.shutdown('test over');
  await tracing?.shutdown();
  await receiver?.close();
});

/** The spans of `traceId` once its server span has arrived: that span, and its children by name. */
async function traceOf(traceId: string) {
  await tracing.flush();
  const server = await receiver.span((span) => span.traceId === traceId && span.kind === 2, `the server span of trace ${traceId}`);
  const children = new Map(receiver.spans.filter((span) => span.parentSpanId === server.spanId).map((span) => [span.name, span]));
  return { server, children };
}

describe('traces of the runtime, over OTLP/HTTP', () => {
  it.each(['lane', 'entry'] as const)(
    '%s: a v2 call carrying _meta.traceparent continues the client trace, with the conventions, its children, and its log line',
    async (which) => {
      const client = await connectHttpClient(services[which].url!);
      const context = clientTraceContext();
      await client.callTool({ name: 'echo', arguments: { message: 'hi' }, _meta: { traceparent: context.traceparent } });
      await client.close();
      const { server, children } = await traceOf(context.traceId);
      expect(server).toMatchObject({
        service: 'traced',
        name: 'tools/call echo',
        parentSpanId: context.spanId,
        status: { code: 0 },
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': 'echo',
          'gen_ai.operation.name': 'execute_tool',
          'mcp.protocol.version': '2026-07-28',
          'network.transport': 'tcp',
          'http.response.status_code': 200,
        },
      });
      expect(typeof server.attributes['jsonrpc.request.id']).toBe('string');
      expect(server.attributes['error.type']).toBeUndefined();
      expect([...children.keys()].sort()).toEqual(['rate limit', 'tool echo']);
      const call = lines.find((line) => line.msg === 'call' && line.trace_id === context.traceId);
      expect(call, 'the call log line carries the trace id').toMatchObject({ name: 'echo', span_id: expect.any(String) });
    },
  );

  it('continues a 2025-era client trace too (SDK v1, stateless), its version from the header', async () => {
    const client = new V1Client({ name: 'v1', version: '0' });
    await client.connect(new V1Transport(new URL(services.lane.url!)));
    const context = clientTraceContext();
    await client.callTool({ name: 'echo', arguments: { message: 'hi' }, _meta: { traceparent: context.traceparent } });
    await client.close();
    const { server } = await traceOf(context.traceId);
    expect(server).toMatchObject({
      name: 'tools/call echo',
      parentSpanId: context.spanId,
      attributes: { 'mcp.method.name': 'tools/call' },
    });
    expect(String(server.attributes['mcp.protocol.version'])).toMatch(/^2025-/);
  });

  it('marks a tool error result and a crashed handler with error.type, the crash on its handler span too', async () => {
    const client = await connectHttpClient(services.lane.url!);
    const failed = clientTraceContext();
    const crashed = clientTraceContext();
    await client.callTool({ name: 'returns_error', arguments: {}, _meta: { traceparent: failed.traceparent } });
    await client.callTool({ name: 'crash', arguments: {}, _meta: { traceparent: crashed.traceparent } });
    await client.close();
    expect((await traceOf(failed.traceId)).server).toMatchObject({ attributes: { 'error.type': 'tool_error' }, status: { code: 2 } });
    const crash = await traceOf(crashed.traceId);
    expect(crash.server).toMatchObject({ attributes: { 'error.type': 'server_error' }, status: { code: 2 } });
    expect(crash.children.get('tool crash')).toMatchObject({ attributes: { 'error.type': 'TypeError' }, status: { code: 2 } });
  });

  it("takes the HTTP traceparent when the message has none, and links it when the message's differs; times the token check", async () => {
    const header = clientTraceContext();
    const message = clientTraceContext();
    const token = (await createTokenIssuer({ ...TOKENS, ttlSec: 60 })('tracing-user', []))!.access_token;
    const post = (meta: Record<string, string>) =>
      fetch(services.lane.url!, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'echo',
          traceparent: header.traceparent,
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 7,
          method: 'tools/call',
          params: {
            name: 'echo',
            arguments: { message: 'hi' },
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
              'io.modelcontextprotocol/clientCapabilities': {},
              ...meta,
            },
          },
        }),
      });
    expect((await post({})).status).toBe(200);
    const fromHeader = await traceOf(header.traceId);
    expect(fromHeader.server).toMatchObject({ parentSpanId: header.spanId, links: [], attributes: { 'jsonrpc.request.id': '7' } });
    expect(fromHeader.children.get('verify token')).toMatchObject({ status: { code: 0 } });

    expect((await post({ traceparent: message.traceparent })).status).toBe(200);
    const linked = await traceOf(message.traceId);
    expect(linked.server).toMatchObject({ parentSpanId: message.spanId, links: [{ traceId: header.traceId, spanId: header.spanId }] });
  });

  it('ignores a malformed or oversized traceparent: a new trace, no parent', async () => {
    const client = await connectHttpClient(services.lane.url!);
    const before = receiver.spans.length;
    for (const traceparent of ['00-not-a-trace-01', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01${' '.repeat(600)}`])
      await client.callTool({ name: 'echo', arguments: { message: 'x' }, _meta: { traceparent } });
    await client.close();
    await tracing.flush();
    const servers = (): ReceivedSpan[] => receiver.spans.slice(before).filter((span) => span.kind === 2 && span.name === 'tools/call echo');
    await receiver.span(() => servers().length === 2, 'both server spans');
    for (const span of servers()) expect(span.parentSpanId).toBe('');
  });
});
