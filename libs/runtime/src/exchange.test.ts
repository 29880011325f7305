// The rules of an exchange: what admit checks and in which order, what it reads and lets through; the body's nesting
// limit; and the Host and Origin checks for each way a service is reached (DNS-rebinding protection, which the MCP
// transport spec makes a MUST for Origin): what passes and what is refused, with what it says.
import { describe, expect, it } from 'vitest';
import { ConfigError, runtimeConfigSchema } from './config';
import { exchangeRules, MAX_JSON_DEPTH, type Reach } from './exchange';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

const rules = (reach: Reach, http: Record<string, unknown> = {}, host = reach === 'network' ? '0.0.0.0' : '127.0.0.1') =>
  exchangeRules({
    config: runtimeConfigSchema.parse({ host, http }),
    logger: createLogger({ service: 'exchange', level: 'silent' }),
    metrics: createMetrics('exchange'),
    tools: new Map(),
    reach,
  });

/** The status of the refusal, or 'pass'. */
const verdict = (refusal: { status: number; message: string } | undefined) => refusal?.status ?? 'pass';

describe('the Host and Origin checks', () => {
  it('on the network: the configured hosts only, and no browser origin unless one is listed', () => {
    const network = rules('network', { allowedHosts: ['mcp.example.com'] });
    expect(verdict(network.checkHostAndOrigin('mcp.example.com', undefined))).toBe('pass');
    expect(verdict(network.checkHostAndOrigin('mcp.example.com:443', null))).toBe('pass');
    expect(verdict(network.checkHostAndOrigin('rebound.attacker.example', undefined))).toBe(403);
    expect(verdict(network.checkHostAndOrigin(undefined, undefined))).toBe(403);
    const fromBrowser = network.checkHostAndOrigin('mcp.example.com', 'https://mcp.example.com');
    expect(fromBrowser?.status).toBe(403);
    expect(fromBrowser?.message).toBe(
      'Forbidden: Invalid Origin: mcp.example.com; allowed origins: none: a browser origin must be listed (http.allowedOrigins)',
    );
    const listed = rules('network', { allowedHosts: ['mcp.example.com'], allowedOrigins: ['app.example.com'] });
    expect(verdict(listed.checkHostAndOrigin('mcp.example.com', 'https://app.example.com'))).toBe('pass');
    expect(verdict(listed.checkHostAndOrigin('mcp.example.com', 'https://evil.example'))).toBe(403);
  });

  it('on the network without hosts: refuses to start, naming the key, the host and the fix', () => {
    expect(() => rules('network')).toThrow(ConfigError);
    expect(() => rules('network')).toThrow(
      /http\.allowedHosts is empty, but host 0\.0\.0\.0 is not loopback: name the hosts clients reach the service by \(HTTP__ALLOWED_HOSTS=/,
    );
  });

  it('"*" turns a check off, for a service behind a proxy that does it', () => {
    const open = rules('network', { allowedHosts: ['*'], allowedOrigins: ['*'] });
    expect(verdict(open.checkHostAndOrigin('anything.example', 'https://anywhere.example'))).toBe('pass');
  });

  it('on loopback: the loopback names and origins, as before', () => {
    const loopback = rules('loopback');
    expect(verdict(loopback.checkHostAndOrigin('127.0.0.1:3001', 'http://localhost:6274'))).toBe('pass');
    expect(verdict(loopback.checkHostAndOrigin('evil.example', undefined))).toBe(403);
    expect(verdict(loopback.checkHostAndOrigin('localhost', 'https://evil.example'))).toBe(403);
  });

  it('in a function: the domain the event was sent to, and no browser origin unless one is listed', () => {
    const fn = rules('function');
    const domain = 'abc123.lambda-url.us-east-1.on.aws';
    expect(verdict(fn.checkHostAndOrigin(domain, undefined, domain))).toBe('pass');
    const elsewhere = fn.checkHostAndOrigin('rebound.attacker.example', undefined, domain);
    expect(elsewhere?.message).toBe(
      `Forbidden: Invalid Host: rebound.attacker.example; allowed hosts: ${domain} (the domain the function was invoked on; http.allowedHosts names others)`,
    );
    expect(verdict(fn.checkHostAndOrigin(domain, undefined, undefined))).toBe(403);
    expect(verdict(fn.checkHostAndOrigin(domain, 'https://evil.example', domain))).toBe(403);
    const named = rules('function', { allowedHosts: ['mcp.example.com'], allowedOrigins: ['app.example.com'] });
    expect(verdict(named.checkHostAndOrigin('mcp.example.com', 'https://app.example.com', domain))).toBe('pass');
    expect(verdict(named.checkHostAndOrigin(domain, undefined, domain))).toBe(403);
  });
});

describe('the nesting limit', () => {
  const nested = (levels: number, inner = '') =>
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${'['.repeat(levels - 1)}${inner}${']'.repeat(levels - 1)}}`;
  const loopback = rules('loopback');
  const parsed = (text: string) => loopback.parse(text, loopback.begin('POST', undefined));

  it(`takes a body ${MAX_JSON_DEPTH} levels deep, and refuses one level more with 400 before the SDK sees it`, () => {
    expect(parsed(nested(MAX_JSON_DEPTH))).toHaveProperty('body');
    expect(parsed(nested(MAX_JSON_DEPTH + 1))).toEqual({
      status: 400,
      code: -32600,
      message: `Invalid request: the body nests deeper than ${MAX_JSON_DEPTH} levels`,
    });
  });

  it('counts the levels however much else the body holds', () => {
    expect(parsed(nested(MAX_JSON_DEPTH + 1, '1,2,3'))).toMatchObject({ status: 400 });
    expect(parsed(nested(3, ' '.repeat(10_000)))).toHaveProperty('body');
  });
});

describe('admit', () => {
  const rulesWith = (extra: Partial<Parameters<typeof exchangeRules>[0]>) =>
    exchangeRules({
      config: runtimeConfigSchema.parse({ host: '127.0.0.1', http: { maxBodyBytes: 100 } }),
      logger: createLogger({ service: 'exchange', level: 'silent' }),
      metrics: createMetrics('exchange'),
      tools: new Map([['echo', { public: false, scopes: [] }]]),
      reach: 'loopback',
      ...extra,
    });
  const call = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}';
  const incoming = (over: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const read: number[] = [];
    return {
      read,
      method: over.method ?? 'POST',
      header: (name: string) => ({ host: 'localhost', ...over.headers })[name],
      body: (limit: number) => (read.push(limit), (over.body ?? call).length > limit ? undefined : (over.body ?? call)),
    };
  };
  const authenticate = async (token: string) => {
    if (token !== 'good') throw new Error('token expired');
    return { token, clientId: 'c', scopes: [] };
  };

  it('checks the host, then the token, then the body, and reads no body it refuses first', async () => {
    const admit = rulesWith({ authenticate });
    const fromElsewhere = incoming({ headers: { host: 'evil.example', authorization: 'Bearer bad' } });
    expect(await admit.admit(fromElsewhere, admit.begin('POST', undefined))).toMatchObject({ status: 403 });
    const badToken = incoming({ headers: { authorization: 'Bearer bad' }, body: '{' });
    expect(await admit.admit(badToken, admit.begin('POST', undefined))).toMatchObject({ status: 401 });
    expect([...fromElsewhere.read, ...badToken.read]).toEqual([]);
    expect(await admit.admit(incoming({ body: '{' }), admit.begin('POST', undefined))).toMatchObject({ status: 400 });
  });

  it('lets a call through with its parsed body, its caller and its labels; a GET without reading a body', async () => {
    const admit = rulesWith({ authenticate });
    const scope = admit.begin('POST', undefined);
    expect(await admit.admit(incoming({ headers: { authorization: 'Bearer good' } }), scope)).toEqual({
      body: JSON.parse(call),
      authInfo: { token: 'good', clientId: 'c', scopes: [] },
    });
    expect(scope).toMatchObject({ labels: { method: 'tools/call', tool: 'echo' }, holdsDrain: true });
    const get = incoming({ method: 'GET' });
    const getScope = admit.begin('GET', undefined);
    expect(await admit.admit(get, getScope)).toEqual({ body: undefined, authInfo: undefined });
    expect(get.read).toEqual([]);
    expect(getScope.holdsDrain).toBe(false);
  });

  it("refuses a body over the limit with 413, naming the host's own lower limit when it has one", async () => {
    const big = () => incoming({ body: `{"pad":"${'x'.repeat(200)}"}` });
    const plain = rulesWith({});
    expect(await plain.admit(big(), plain.begin('POST', undefined))).toMatchObject({
      status: 413,
      message: 'Request body exceeds 100 bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES',
    });
    const hosted = rulesWith({ hostLimit: { bytes: 50, what: 'the host limit' } });
    const body = incoming({ body: `{"pad":"${'x'.repeat(60)}"}` });
    expect(await hosted.admit(body, hosted.begin('POST', undefined))).toMatchObject({
      status: 413,
      message: 'Request body exceeds 50 bytes (the host limit; http.maxBodyBytes is higher); send less',
    });
    expect(body.read).toEqual([50]);
    // A host limit above http.maxBodyBytes changes nothing.
    expect(rulesWith({ hostLimit: { bytes: 1000, what: 'roomy' } }).maxBody).toBe(100);
  });

  it('challenges a 2025 batch that calls a protected tool, and passes one that calls only open ones', async () => {
    const protectedRules = rulesWith({
      config: runtimeConfigSchema.parse({ host: '127.0.0.1' }),
      authenticate,
      tools: new Map([
        ['open', { public: true, scopes: [] }],
        ['write', { public: false, scopes: ['docs:write'] }],
      ]),
    });
    const batch = (...names: string[]) =>
      JSON.stringify(names.map((name, id) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name } })));
    const refused = await protectedRules.admit(incoming({ body: batch('open', 'write') }), protectedRules.begin('POST', undefined));
    expect(refused).toMatchObject({
      status: 401,
      headers: {
        'www-authenticate':
          'Bearer realm="mcp", resource_metadata="http://localhost/.well-known/oauth-protected-resource/mcp", scope="docs:write"',
      },
    });
    expect(await protectedRules.admit(incoming({ body: batch('open') }), protectedRules.begin('POST', undefined))).toHaveProperty('body');
  });

  it('challenges a read of a protected resource, and lets any other JSON through to the SDK to answer', async () => {
    const secret = { public: false, scopes: ['docs:read'] };
    const protectedRules = rulesWith({
      config: runtimeConfigSchema.parse({ host: '127.0.0.1' }),
      authenticate,
      others: { resource: (uri) => (uri === 'notes://\n1' ? secret : undefined), prompt: () => undefined, all: [secret] },
    });
    const admit = (body: string) => protectedRules.admit(incoming({ body }), protectedRules.begin('POST', undefined));
    // A URI from the request, with a line break in it: the challenge's description must stay one header line.
    const refused = await admit('{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"notes://\\n1"}}');
    expect(refused).toMatchObject({
      status: 401,
      message: 'Unauthorized: resource notes://\n1 needs an Authorization: Bearer <token> header',
    });
    const forbidden = await protectedRules.admit(
      incoming({
        body: '{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"notes://\\n1"}}',
        headers: { authorization: 'Bearer good' },
      }),
      protectedRules.begin('POST', undefined),
    );
    expect(forbidden).toMatchObject({
      status: 403,
      headers: { 'www-authenticate': expect.stringContaining('error_description="resource notes://?1 needs the scope docs:read"') },
    });
    for (const body of [
      'null',
      '7',
      '"text"',
      '{"jsonrpc":"2.0","id":1,"method":"resources/read"}',
      '{"method":"prompts/get","params":null}',
    ])
      expect(await admit(body), body).toHaveProperty('body');
  });
});
