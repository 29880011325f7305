import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { startTracing } from '@mcp-fleet/runtime';
import {
  clientTraceContext,
  connectHttpClient,
  lambdaFetch,
  startOtlpReceiver,
  startServerProcess,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@mcp-fleet/testing';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineService, loadDocumentsConfig } from '../src/service';
import { testDatabases } from './support/databases';

// documents traced as it runs: a process configured by the standard OTEL_* variables alone, and its function,
// exporting to an OTLP/HTTP receiver on loopback. A call's trace holds the tool's handler and its queries.
const SECRET = 'tracing-secret-that-is-at-least-32-characters';
const postgres = testDatabases().find((database) => database.name === 'postgres');

let receiver: OtlpReceiver;
beforeAll(async () => void (receiver = await startOtlpReceiver()));
afterAll(async () => {
  await receiver?.close();
  await postgres?.drop();
});

/** The trace's spans as a tree of names under its server span, once the deepest expected one has arrived. */
async function tree(traceId: string, last: (span: ReceivedSpan) => boolean) {
  await receiver.span((span) => span.traceId === traceId && last(span), `the spans of trace ${traceId}`);
  const spans = receiver.spans.filter((span) => span.traceId === traceId);
  const server = spans.find((span) => span.kind === 2)!;
  const under = (parent: ReceivedSpan): ReceivedSpan[] => spans.filter((span) => span.parentSpanId === parent.spanId);
  return { server, under };
}

async function loginAndCreate(client: () => Promise<Client>, traceparent: string) {
  const anonymous = await client();
  const login = await anonymous.callTool({ name: 'login', arguments: { username: 'testuser', password: 'password' } });
  await anonymous.close();
  const token = (login.structuredContent as { access_token: string }).access_token;
  return {
    token,
    call: (signedIn: Client) =>
      signedIn.callTool({ name: 'create_document', arguments: { title: 'traced', content: 'x' }, _meta: { traceparent } }),
  };
}

describe('documents, traced', () => {
  it('as a process configured by OTEL_* alone: the call, its token check, handler and queries, and log lines with the trace id', async () => {
    const server = await startServerProcess({
      app: 'documents',
      env: { AUTH__SECRET: SECRET, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
    });
    try {
      const context = clientTraceContext();
      const { token, call } = await loginAndCreate(() => connectHttpClient(server.url), context.traceparent);
      const client = await connectHttpClient(server.url, { token });
      await call(client);
      await client.close();
      const { server: span, under } = await tree(context.traceId, (s) => s.name === 'INSERT');
      expect(span).toMatchObject({
        service: 'documents',
        name: 'tools/call create_document',
        parentSpanId: context.spanId,
        attributes: { 'gen_ai.tool.name': 'create_document', 'mcp.protocol.version': '2026-07-28' },
      });
      const children = under(span);
      expect(children.map((child) => child.name).sort()).toEqual(['rate limit', 'tool create_document', 'verify token']);
      const handler = children.find((child) => child.name === 'tool create_document')!;
      const queries = under(handler);
      expect(queries.map((query) => query.name)).toContain('INSERT');
      expect(queries.find((query) => query.name === 'INSERT')).toMatchObject({
        kind: 3,
        attributes: {
          'db.system.name': 'postgresql',
          'db.operation.name': 'INSERT',
          'db.query.text': expect.stringMatching(/^insert into documents/i),
        },
      });
      const line = await server.waitForLog((log) => log.msg === 'call' && log.trace_id === context.traceId);
      expect(line.span_id).toBe(span.spanId);
    } finally {
      await server.stop();
    }
  });

  it.runIf(postgres)('as a function: the spans are sent before the invocation returns', async () => {
    const tracing = (await startTracing('documents', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }))!;
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const { handler } = await createLambdaHandlers(async () => ({
        ...(await defineService({
          host: 'lambda',
          config: loadDocumentsConfig({ MCP_ENV: 'test', LOG_LEVEL: 'warn', AUTH__SECRET: SECRET, DATABASE_URL: await postgres!.url() }),
        })),
        tracing,
      }));
      const fetch = lambdaFetch(handler);
      const url = new URL('https://abcdefg.lambda-url.us-east-1.on.aws/mcp');
      const connect = async (token?: string) => {
        const client = new Client({ name: 'lambda-v2', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
        await client.connect(
          new StreamableHTTPClientTransport(url, { fetch, requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} } }),
        );
        return client;
      };
      const context = clientTraceContext();
      const { token, call } = await loginAndCreate(() => connect(), context.traceparent);
      const client = await connect(token);
      await call(client);
      // No waiting: the invocation flushed its spans before it returned.
      const spans = receiver.spans.filter((span) => span.traceId === context.traceId);
      expect(spans.map((span) => span.name)).toEqual(
        expect.arrayContaining(['tools/call create_document', 'tool create_document', 'INSERT']),
      );
      await client.close();
    } finally {
      vi.restoreAllMocks();
      await tracing.shutdown();
    }
  });
});
