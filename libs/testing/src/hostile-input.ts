import { Agent, request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * What a broken or hostile client sends an MCP endpoint, as raw HTTP requests (node:http sends what `fetch` would
 * refuse to) and as the Lambda events API Gateway or a Function URL would make of them, plus events no HTTP source
 * sends. Deterministic: the same count gives the same requests, so a failure can be replayed.
 */

export interface HostileRequest {
  /** Which kind of hostility, for the report. */
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** A small seeded generator (mulberry32): reproducible variety without a dependency. */
class Random {
  constructor(private seed: number) {}
  next(): number {
    let t = (this.seed += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.int(0, 255)));
  }
}

const rpc = (method: unknown, params?: unknown, id: unknown = 1) => ({
  jsonrpc: '2.0',
  id,
  method,
  ...(params === undefined ? {} : { params }),
});
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const ENVELOPE_KEYS = [
  'io.modelcontextprotocol/protocolVersion',
  'io.modelcontextprotocol/clientInfo',
  'io.modelcontextprotocol/clientCapabilities',
];
const JUNK: unknown[] = [null, 42, -1, 1.5, '', 'x', true, [], [1, 'a'], {}, { a: { b: [] } }, 'x'.repeat(3000)];

/** How each kind is made, from the generator; a kind's weight is how many turns of the cycle it gets. */
const KINDS: [string, number, (r: Random) => Partial<HostileRequest>][] = [
  [
    'truncated JSON',
    3,
    (r) => ({
      body: json(rpc('tools/call', { name: 'echo', arguments: { message: 'x'.repeat(r.int(0, 50)) } })).subarray(0, r.int(1, 40)),
    }),
  ],
  ['bytes that are not JSON (invalid UTF-8 among them)', 3, (r) => ({ body: r.bytes(r.int(1, 300)) })],
  [
    'JSON that is no request',
    2,
    (r) => ({ body: json(r.pick([null, 42, 'x', true, [], { jsonrpc: '1.0' }, { id: 1 }, { method: 'tools/list' }])) }),
  ],
  [
    'a request of the wrong types',
    4,
    (r) => ({
      body: json({
        jsonrpc: r.pick(['2.0', 2, null]),
        id: r.pick([...JUNK, 1]),
        method: r.pick([42, null, '', 'x'.repeat(5000), 'tools/call', 'tools/list']),
        params: r.pick(JUNK),
      }),
    }),
  ],
  [
    'an unknown method',
    2,
    (r) => ({ body: json(rpc(`${r.pick(['nope', 'tools', 'resources', '__proto__'])}/${'x'.repeat(r.int(1, 300))}`)) }),
  ],
  [
    'tools/call with a hostile name or arguments',
    5,
    (r) => ({
      body: json(
        rpc('tools/call', {
          name: r.pick([
            42,
            null,
            '',
            '__proto__',
            'constructor',
            'toString',
            'hasOwnProperty',
            'x'.repeat(10_000),
            '../../etc/passwd',
            '\u0000',
            '🦄'.repeat(100),
            'echo',
          ]),
          arguments: r.pick(JUNK),
        }),
      ),
    }),
  ],
  [
    'resources/read of a hostile URI',
    2,
    (r) => ({
      body: json(
        rpc('resources/read', {
          uri: r.pick([
            '',
            'file:///etc/passwd',
            'documents://../../x',
            'documents://' + 'x'.repeat(5000),
            'javascript:alert(1)',
            42,
            '%00',
          ]),
        }),
      ),
    }),
  ],
  [
    'prompts/get with hostile arguments',
    1,
    (r) => ({ body: json(rpc('prompts/get', { name: r.pick(['format_request', '__proto__', 42]), arguments: r.pick(JUNK) })) }),
  ],
  [
    'arguments nested 10,000 deep',
    1,
    () => ({
      body: Buffer.from(
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":${'['.repeat(10_000)}${']'.repeat(10_000)}}}}`,
      ),
    }),
  ],
  [
    'prototype pollution',
    2,
    () => ({
      body: Buffer.from(
        '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"__proto__":{"polluted":true},"message":"x"},"_meta":{"__proto__":{"polluted":true}}}}',
      ),
    }),
  ],
  [
    'numbers past a double',
    1,
    () => ({
      body: Buffer.from(
        '{"jsonrpc":"2.0","id":1e400,"method":"tools/call","params":{"name":"calculate_sum","arguments":{"numbers":[1e400,-1e400,1e-400]}}}',
      ),
    }),
  ],
  [
    'a batch of junk',
    2,
    (r) => ({
      body: json(Array.from({ length: r.int(0, 300) }, () => r.pick([...JUNK, rpc('tools/list'), rpc('ping', undefined, null)]))),
    }),
  ],
  [
    'a response or notification posted to the server',
    2,
    (r) => ({
      body: json(
        r.pick([
          { jsonrpc: '2.0', id: 1, result: {} },
          { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } },
          { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: r.pick(JUNK) } },
        ]),
      ),
    }),
  ],
  [
    'a modern envelope gone wrong',
    4,
    (r) => ({
      headers: {
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': r.pick(['tools/call', 'tools/list', 'x']),
        'mcp-name': r.pick(['echo', 'other', '=?base64?!!!?=', '']),
      },
      body: json(
        rpc('tools/call', {
          name: 'echo',
          arguments: { message: 'x' },
          _meta: Object.fromEntries(ENVELOPE_KEYS.map((key) => [key, r.pick([...JUNK, '2026-07-28', { name: 'c', version: '1' }])])),
        }),
      ),
    }),
  ],
  [
    'a 2025-era initialize gone wrong',
    2,
    (r) => ({
      body: json(
        rpc('initialize', {
          protocolVersion: r.pick(['2025-11-25', '1999-01-01', 42, '']),
          capabilities: r.pick(JUNK),
          clientInfo: r.pick(JUNK),
        }),
      ),
    }),
  ],
  ['an oversized header', 1, (r) => ({ headers: { 'x-junk': 'x'.repeat(r.int(8_000, 20_000)) } })],
  ['hundreds of headers', 1, () => ({ headers: Object.fromEntries(Array.from({ length: 500 }, (_, k) => [`x-h${k}`, 'v'])) })],
  [
    'a wrong content type',
    2,
    (r) => ({
      headers: {
        'content-type': r.pick([
          'text/plain',
          'application/xml',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          '',
        ]),
      },
    }),
  ],
  ['a wrong accept', 2, (r) => ({ headers: { accept: r.pick(['', 'text/html', 'text/event-stream', '*/*', 'application/json']) } })],
  [
    'a bogus protocol version',
    2,
    (r) => ({ headers: { 'mcp-protocol-version': r.pick(['1999-01-01', '', 'x'.repeat(500), '2026-07-28; drop table', '\u00ff']) } }),
  ],
  ['a bogus session', 2, (r) => ({ headers: { 'mcp-session-id': r.pick(['', 'x'.repeat(1000), '../../', 'a-b-c', '\u00ff']) } })],
  [
    'a bogus Authorization',
    3,
    (r) => ({
      headers: {
        authorization: r.pick([
          'Bearer',
          `Bearer ${'x'.repeat(8000)}`,
          'Basic dXNlcjpwYXNz',
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
          '\u00ff',
          'Bearer ' + '=='.repeat(10),
        ]),
      },
    }),
  ],
  ['a bogus request id', 1, (r) => ({ headers: { 'x-request-id': r.pick(['', 'x'.repeat(5000), '<script>', '\u00ff', '../../']) } })],
  [
    'a foreign Host or Origin',
    2,
    (r) => ({
      headers: r.pick<Record<string, string>>([
        { host: 'attacker.example' },
        { origin: 'https://attacker.example' },
        { origin: 'null' },
        { host: '' },
      ]),
    }),
  ],
  ['another method on /mcp', 2, (r) => ({ method: r.pick(['GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD']) })],
  [
    'a strange path',
    2,
    (r) => ({
      path: r.pick([
        '/mcp/',
        `/mcp?x=${'y'.repeat(4000)}`,
        '/%2e%2e/mcp',
        '/mcp%00',
        `/${'a'.repeat(8000)}`,
        '//mcp',
        '/metrics?x=1',
        '/readyz/../mcp',
      ]),
    }),
  ],
  ['a body over the limit', 1, () => ({ body: Buffer.alloc(1_100_000, 'x') })],
];
const CYCLE = KINDS.flatMap(([kind, weight, make]) => Array.from({ length: weight }, () => [kind, make] as const));

/** The headers a conforming client of either era sends, chosen in turn so that every kind reaches both paths. */
function baseHeaders(r: Random, body: Buffer | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const era = r.pick(['2025', '2026', 'none'] as const);
  if (era === '2025') headers['mcp-protocol-version'] = '2025-11-25';
  if (era === '2026') {
    headers['mcp-protocol-version'] = '2026-07-28';
    const method = (() => {
      try {
        return (JSON.parse(body?.toString() ?? '') as { method?: unknown }).method;
      } catch {
        return undefined;
      }
    })();
    if (typeof method === 'string' && method.length < 200) headers['mcp-method'] = method;
  }
  return headers;
}

/** `count` hostile requests, every kind in turn, their details varied by a generator seeded with `seed`. */
export function hostileRequests(count: number, seed = 34): HostileRequest[] {
  const r = new Random(seed);
  return Array.from({ length: count }, (_, i) => {
    const [kind, make] = CYCLE[i % CYCLE.length]!;
    const made = make(r);
    const body = made.body ?? json(rpc('tools/list'));
    return {
      kind,
      method: made.method ?? 'POST',
      path: made.path ?? '/mcp',
      headers: { ...baseHeaders(r, body), ...made.headers },
      body: made.method && made.method !== 'POST' ? undefined : body,
    };
  });
}

export interface HostileRun {
  /** How many answers had each status; 0 counts connections the server closed without an answer. */
  statuses: Map<number, number>;
  /** The kinds of request that got each status of 500 and above: what a test expects to be `{}`. */
  serverErrors: Record<number, string[]>;
}

/** Sends the requests to `baseUrl` (http://127.0.0.1:port), `concurrency` at a time on kept-alive connections. */
export async function sendHostile(baseUrl: string, requests: HostileRequest[], concurrency = 8): Promise<HostileRun> {
  const run: HostileRun = { statuses: new Map(), serverErrors: {} };
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (request: HostileRequest) =>
    new Promise<number>((resolve) => {
      const req = httpRequest(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, agent }, (res) =>
        res.resume().once('end', () => resolve(res.statusCode!)),
      );
      // A request the server refuses to read (431, a malformed head) may end with the connection rather than an answer.
      req.once('error', () => resolve(0)).end(request.body);
    });
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++]!;
      const status = await send(request);
      run.statuses.set(status, (run.statuses.get(status) ?? 0) + 1);
      if (status >= 500 && !run.serverErrors[status]?.includes(request.kind)) (run.serverErrors[status] ??= []).push(request.kind);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return run;
}

type AnyEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent;

/**
 * The requests as a Function URL (payload 2.0) and a REST API (payload 1.0) would send them, in turn, and every
 * tenth an event no HTTP source makes: a broken base64 body, missing or mistyped members.
 */
export function hostileEvents(requests: HostileRequest[], domainName = 'abc123.lambda-url.us-east-1.on.aws'): unknown[] {
  const r = new Random(38);
  return requests.map((request, i) => {
    const headers = { host: domainName, ...request.headers };
    const base64 = r.int(0, 1) === 1;
    const body = request.body === undefined ? undefined : base64 ? request.body.toString('base64') : request.body.toString('utf8');
    const [path, query = ''] = request.path.split('?', 2) as [string, string?];
    const v2: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: query,
      headers,
      requestContext: {
        accountId: 'anonymous',
        apiId: 'abc123',
        domainName,
        domainPrefix: 'abc123',
        http: { method: request.method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'hostile' },
        requestId: 'r',
        routeKey: '$default',
        stage: '$default',
        time: '06/Dec/2026:19:00:00 +0000',
        timeEpoch: 0,
      },
      ...(body === undefined ? {} : { body }),
      isBase64Encoded: base64,
    };
    if (i % 10 === 9) return broken(r, v2);
    if (i % 2 === 0) return v2;
    const v1 = {
      resource: '/{proxy+}',
      path,
      httpMethod: request.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: { domainName, httpMethod: request.method, identity: { sourceIp: '198.51.100.7' }, path, stage: 'prod' },
      body: body ?? null,
      isBase64Encoded: base64,
    };
    return v1 as unknown as AnyEvent;
  });
}

/** An event no HTTP source sends: what a direct invoke with the wrong payload, or a changed event format, gives. */
function broken(r: Random, event: APIGatewayProxyEventV2): unknown {
  return r.pick<unknown>([
    {},
    null,
    'not an event',
    { version: '2.0' },
    { ...event, requestContext: {} },
    { ...event, requestContext: { ...event.requestContext, http: null } },
    { ...event, headers: null },
    { ...event, headers: { host: 42, accept: ['x'] } },
    { ...event, body: 42 },
    { ...event, body: '%%%not base64%%%', isBase64Encoded: true },
    { ...event, rawPath: undefined },
    { ...event, cookies: 'a=b' },
    { version: '1.0', httpMethod: 'POST', path: '/mcp', headers: {}, multiValueHeaders: { accept: 'x' }, requestContext: {}, body: null },
    {
      version: '1.0',
      httpMethod: 'POST',
      path: '/mcp',
      headers: {},
      multiValueQueryStringParameters: { x: 'y' },
      requestContext: { identity: {} },
      body: null,
    },
  ]);
}

/** The heap this process uses after full collections, in bytes: what it holds, not what it has yet to collect. */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) collect();
  return process.memoryUsage().heapUsed;
}
