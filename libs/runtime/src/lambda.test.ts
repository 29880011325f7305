import { access, standardChain, withMiddleware } from '@mcp-fleet/middleware';
import { McpServer } from '@modelcontextprotocol/server';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { ConfigError, runtimeConfigSchema } from './config';
import { createLambdaHandlers, LAMBDA_PAYLOAD_BYTES } from './lambda';
import { EMF_NAMESPACE } from './metrics-contract';
import { CASES, createServer, LEGACY_CASES } from '../test/lane-cases';
import { createLogger } from './logger';
import { serve } from './serve';

// The event path through the real SDK clients is tested in libs/testing (lambda.test.ts) and in every app that
// targets Lambda; here, what the host decides itself.

const logger = createLogger({ service: 'lambda-host', level: 'silent' });
const middleware = standardChain({ logger, timeout: { ms: 5_000 } });
const open = { _meta: access({ public: true }) };

let builds = 0;
function factory() {
  builds++;
  const server = withMiddleware(new McpServer({ name: 'lambda-host', version: '1.0.0' }), middleware);
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }), ...open }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  server.registerTool('big', { inputSchema: z.object({}), ...open }, async () => ({
    content: [{ type: 'text', text: 'x'.repeat(LAMBDA_PAYLOAD_BYTES) }],
  }));
  server.registerTool('crash', { inputSchema: z.object({}), ...open }, async () => {
    throw new TypeError('boom');
  });
  return server;
}

const context = { awsRequestId: '8f5e3c1a-0000-4000-8000-000000000001' } as Context;

/** A Function URL event: payload 2.0, as aws-lambda-go's lambda-urls-request.json has it. */
function event(method: string, path: string, body?: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: {
      host: 'abc123.lambda-url.us-east-1.on.aws',
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc123',
      domainName: 'abc123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '03/Dec/2026:19:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

/** The event with these headers set too. */
const withHeaders = (sent: APIGatewayProxyEventV2, headers: Record<string, string>): APIGatewayProxyEventV2 => ({
  ...sent,
  headers: { ...sent.headers, ...headers },
});

const envelope = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 't', version: '0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A 2026-07-28 tools/call, as a conforming client posts it. */
const call = (name: string, args: Record<string, unknown> = {}) =>
  event(
    'POST',
    '/mcp',
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: envelope } }),
    {
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': name,
    },
  );

async function handlers(config: Record<string, unknown> = {}) {
  return createLambdaHandlers(async () => ({
    name: 'lambda-host',
    config: runtimeConfigSchema.parse({ logLevel: 'silent', ...config }),
    logger,
    factory,
  }));
}

/** The EMF lines written while `run` runs. */
async function emfLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return written.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => '_aws' in line);
}

afterEach(() => vi.restoreAllMocks());

describe('the Lambda host', () => {
  it('refuses at cold start what a function cannot serve, naming the key and what to set', async () => {
    const refused = handlers({ transport: 'stdio', http: { legacySessions: true } });
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(
      /transport = "stdio".*set TRANSPORT=http[\s\S]*http\.legacySessions = true.*HTTP__LEGACY_SESSIONS=false/,
    );
  });

  it('answers a call and writes one EMF line from the same outcome the counters take', async () => {
    const { handler } = await handlers();
    let result: APIGatewayProxyStructuredResultV2 | undefined;
    const lines = await emfLines(async () => {
      result = (await handler(call('echo', { message: 'hi' }), context)) as APIGatewayProxyStructuredResultV2;
      await handler(call('crash'), context);
    });
    expect(result!.statusCode).toBe(200);
    expect(JSON.parse(result!.body!)).toMatchObject({ result: { content: [{ type: 'text', text: 'hi' }] } });
    expect(result!.headers!['x-request-id']).toBe(context.awsRequestId);
    expect(lines).toHaveLength(2);
    const [ok, crash] = lines;
    expect(ok).toMatchObject({
      Service: 'lambda-host',
      Requests: 1,
      ServerErrors: 0,
      method: 'tools/call',
      tool: 'echo',
      outcome: 'ok',
      awsRequestId: context.awsRequestId,
    });
    expect((ok!._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }).CloudWatchMetrics[0]).toMatchObject({
      Namespace: EMF_NAMESPACE,
      Dimensions: [['Service']],
    });
    expect(typeof ok!.Latency).toBe('number');
    expect(crash).toMatchObject({ tool: 'crash', outcome: 'server_error', ServerErrors: 1 });
  });

  it('builds server instances once per function instance, not per invocation, in both eras', async () => {
    const { handler } = await handlers();
    const legacy = () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'old' } } });
      return event('POST', '/mcp', body, { 'mcp-protocol-version': '2025-11-25' });
    };
    for (const request of [() => call('echo', { message: 'new' }), legacy]) {
      const first = (await handler(request(), context)) as APIGatewayProxyStructuredResultV2;
      expect(first.statusCode).toBe(200);
      const built = builds;
      for (let invocation = 0; invocation < 5; invocation++) {
        const result = (await handler(request(), context)) as APIGatewayProxyStructuredResultV2;
        expect(result.body).toMatch(/"text":"(new|old)"/);
      }
      expect(builds).toBe(built);
    }
  });

  it("says that probes and metrics are the platform's in a function, and answers GET as the HTTP entry does", async () => {
    const { handler } = await handlers();
    const probe = (await handler(event('GET', '/healthz'), context)) as APIGatewayProxyStructuredResultV2;
    expect(probe.statusCode).toBe(404);
    expect(probe.body).toMatch(/A function has no \/healthz, \/readyz or \/metrics: Lambda reports its health/);
    const get = (await handler(event('GET', '/mcp'), context)) as APIGatewayProxyStructuredResultV2;
    expect(get.statusCode).toBe(405);
  });

  it('refuses subscriptions/listen, which an invocation cannot hold open, saying where to listen', async () => {
    const { handler } = await handlers();
    const listen = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'subscriptions/listen',
      params: { notifications: { toolsListChanged: true }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
    const refused = (await handler(event('POST', '/mcp', listen), context)) as APIGatewayProxyStructuredResultV2;
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body!).error).toEqual({
      code: -32601,
      message:
        'subscriptions/listen is not served by a function: an invocation cannot hold a stream open; listen to the app where it runs as a process',
    });
  });

  it("answers 413 past http.maxBodyBytes, and past Lambda's own limit when the config allows more", async () => {
    const small = await handlers({ http: { maxBodyBytes: 100 } });
    const tooLarge = (await small.handler(call('echo', { message: 'x'.repeat(200) }), context)) as APIGatewayProxyStructuredResultV2;
    expect(tooLarge.statusCode).toBe(413);
    expect(JSON.parse(tooLarge.body!).error.message).toBe(
      'Request body exceeds 100 bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES',
    );
    const large = await handlers({ http: { maxBodyBytes: 64 * 1024 * 1024 } });
    const overLambda = (await large.handler(
      call('echo', { message: 'x'.repeat(LAMBDA_PAYLOAD_BYTES) }),
      context,
    )) as APIGatewayProxyStructuredResultV2;
    expect(overLambda.statusCode).toBe(413);
    expect(JSON.parse(overLambda.body!).error.message).toMatch(/exceeds 6291456 bytes \(Lambda's limit on a buffered payload/);
  });

  it('answers a result too large for a buffered response with 500 and the way out, not a failed invocation', async () => {
    const { handler } = await handlers();
    let result: APIGatewayProxyStructuredResultV2 | undefined;
    const [line] = await emfLines(async () => (result = (await handler(call('big'), context)) as APIGatewayProxyStructuredResultV2));
    expect(line).toMatchObject({ tool: 'big', outcome: 'server_error', ServerErrors: 1 });
    expect(result!.statusCode).toBe(500);
    expect(JSON.parse(result!.body!).error.message).toMatch(
      /over Lambda's 6291456-byte limit on a buffered response; serve this app through the streaming handler/,
    );
  });

  it("writes out an invocation's log lines before it returns", async () => {
    // A destination that holds lines until flushed, as the runtime's own does (logger.ts, BatchedWriter).
    const held: string[] = [];
    const written: string[] = [];
    const destination = {
      write: (line: string) => held.push(line),
      flush: (done?: () => void) => (written.push(...held.splice(0)), done?.()),
    };
    const heard = createLogger({ service: 'lambda-host', level: 'debug', destination });
    const { handler } = await createLambdaHandlers(async () => ({
      name: 'lambda-host',
      config: runtimeConfigSchema.parse({ logLevel: 'debug' }),
      logger: heard,
      factory,
    }));
    await emfLines(async () => handler(call('echo', { message: 'hi' }), context));
    expect(held).toEqual([]);
    // The first invocation starts the service: its "ready" line comes first.
    expect(written.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['ready', 'mcp request']);
  });

  it('refuses a request from a host that is not allowed, when http.allowedHosts is set', async () => {
    const { handler } = await handlers({ http: { allowedHosts: ['mcp.example.com'] } });
    const result = (await handler(call('echo', { message: 'hi' }), context)) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(403);
    expect(result.body).toContain('allowed hosts: mcp.example.com (http.allowedHosts)');
  });

  it('refuses a browser origin and a host other than the domain invoked, unless configured (DNS rebinding)', async () => {
    const { handler } = await handlers();
    const status = async (headers: Record<string, string>) =>
      ((await handler(withHeaders(call('echo', { message: 'hi' }), headers), context)) as APIGatewayProxyStructuredResultV2).statusCode;
    expect(await status({})).toBe(200);
    expect(await status({ origin: 'https://attacker.example' })).toBe(403);
    expect(await status({ host: 'rebound.attacker.example' })).toBe(403);
    const listed = await handlers({ http: { allowedOrigins: ['app.example.com'] } });
    const fromApp = withHeaders(call('echo', { message: 'hi' }), { origin: 'https://app.example.com' });
    expect(((await listed.handler(fromApp, context)) as APIGatewayProxyStructuredResultV2).statusCode).toBe(200);
  });

  it('is an OAuth protected resource with authenticate: serves its metadata, and challenges a call before its handler', async () => {
    const { handler } = await createLambdaHandlers(async () => ({
      name: 'lambda-host',
      config: runtimeConfigSchema.parse({ logLevel: 'silent' }),
      logger,
      factory: () => {
        const server = new McpServer({ name: 'protected', version: '1.0.0' });
        server.registerTool('write', { inputSchema: z.object({}), _meta: access({ scopes: ['docs:write'] }) }, async () => ({
          content: [{ type: 'text', text: 'written' }],
        }));
        return server;
      },
      authenticate: async (token) => ({ token, clientId: token, scopes: token === 'writer' ? ['docs:write'] : [] }),
      resourceServer: { authorizationServers: ['https://id.example.com'] },
    }));
    const answer = async (sent: APIGatewayProxyEventV2) => (await handler(sent, context)) as APIGatewayProxyStructuredResultV2;
    const domain = 'abc123.lambda-url.us-east-1.on.aws';
    const metadata = await answer(event('GET', '/.well-known/oauth-protected-resource/mcp'));
    expect(metadata.statusCode).toBe(200);
    expect(JSON.parse(metadata.body!)).toEqual({
      resource: `https://${domain}/mcp`,
      authorization_servers: ['https://id.example.com'],
      scopes_supported: ['docs:write'],
      bearer_methods_supported: ['header'],
    });
    const where = `resource_metadata="https://${domain}/.well-known/oauth-protected-resource/mcp"`;
    const anonymous = await answer(call('write'));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers!['www-authenticate']).toBe(`Bearer realm="mcp", ${where}, scope="docs:write"`);
    const reader = await answer(withHeaders(call('write'), { authorization: 'Bearer reader' }));
    expect(reader.statusCode).toBe(403);
    expect(reader.headers!['www-authenticate']).toContain('error="insufficient_scope"');
    expect((await answer(withHeaders(call('write'), { authorization: 'Bearer writer' }))).statusCode).toBe(200);
  });

  it('says where the streaming handler runs when the Lambda runtime is not there', async () => {
    const { streamingHandler } = await handlers();
    const { Writable } = await import('node:stream');
    await expect(streamingHandler(call('echo', { message: 'hi' }), new Writable(), context)).rejects.toThrow(
      /runs in the Lambda Node.js runtime only/,
    );
  });
});

describe('the Lambda host against the HTTP host', () => {
  it('answers every request of both eras exactly as the HTTP host does: status, content type and body, byte for byte', async () => {
    const quiet = {
      config: runtimeConfigSchema.parse({ port: 0, logLevel: 'silent' }),
      logger: createLogger({ service: 'lane-fixture', level: 'silent' }),
    };
    const service = await serve(createServer, { name: 'lane-fixture', ...quiet, handleSignals: false });
    const { handler } = await createLambdaHandlers(async () => ({ name: 'lane-fixture', ...quiet, factory: createServer }));
    try {
      await emfLines(async () => {
        for (const [name, request] of [...CASES, ...LEGACY_CASES]) {
          const response = await fetch(service.url!, { method: 'POST', ...request });
          const overHttp = { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
          const lambdaEvent = {
            ...event('POST', '/mcp', request.body),
            headers: { host: 'abc123.lambda-url.us-east-1.on.aws', ...request.headers },
          };
          const result = (await handler(lambdaEvent, context)) as APIGatewayProxyStructuredResultV2;
          expect({ name, status: result.statusCode, type: result.headers!['content-type'] ?? null, body: result.body }).toEqual({
            name,
            ...overHttp,
          });
        }
      });
    } finally {
      await service.shutdown('test over');
    }
  });
});
