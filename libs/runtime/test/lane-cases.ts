// Test support, shared by fast-lane.test.ts and lambda.test.ts: a server whose tools end in every way the protocol
// allows, and the requests of both eras (as conforming clients send them, and as they send them wrong) that the
// differential tests send to two ways of serving it and compare byte for byte.
import { types } from 'node:util';
import { inputRequired, McpServer, ProtocolError, ProtocolErrorCode, ResourceTemplate } from '@modelcontextprotocol/server';
import * as z from 'zod';

export const REVISION = '2026-07-28';
export const held: { release?: () => void; aborted?: boolean } = {};

export function createServer() {
  const server = new McpServer({ name: 'lane-fixture', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  server.registerTool('fail', { inputSchema: z.object({}) }, async () => {
    throw new Error('it broke');
  });
  server.registerTool('who', { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [
      { type: 'text', text: `${server.server.getClientVersion()?.name ?? 'nobody'} ${ctx.http?.req?.headers.get('x-probe') ?? ''}` },
    ],
  }));
  // Which path served: the lane hands handlers a lazily built Request (a Proxy), the SDK's entry a real one.
  server.registerTool('path', { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: 'text', text: types.isProxy(ctx.http?.req) ? 'lane' : 'entry' }],
  }));
  // A parameter mirrored in a header (SEP-2243): the SDK's entry checks the header, so the lane leaves these calls to it.
  server.registerTool(
    'regional',
    { inputSchema: z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }) },
    async ({ region }) => ({
      content: [{ type: 'text', text: region }],
    }),
  );
  // What a handler can read of its request: the lane's lazy one must read as the entry's real one.
  server.registerTool('inspect', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const req = ctx.http!.req!;
    const seen = {
      isRequest: req instanceof Request,
      isHeaders: req.headers instanceof Headers,
      method: req.method,
      probe: req.headers.get('X-Probe'),
      accept: req.headers.get('accept'),
      has: [req.headers.has('x-probe'), req.headers.has('x-absent')],
      absent: req.headers.get('x-absent'),
      probes: [...req.headers].filter(([name]) => name.startsWith('x-probe')),
      aborted: req.signal.aborted,
    };
    return { content: [{ type: 'text', text: JSON.stringify(seen) }] };
  });
  // What a handler finds in its context: the lane builds the context itself, and it must hold what the SDK's does.
  server.registerTool('context', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const shape = (object: object) =>
      Object.fromEntries(
        Object.entries(object)
          .map(([key, value]) => [key, typeof value])
          .sort(),
      );
    const { mcpReq } = ctx;
    const seen = {
      ctx: shape(ctx),
      mcpReq: shape(mcpReq),
      http: shape(ctx.http ?? {}),
      envelope: mcpReq.envelope,
      meta: mcpReq._meta,
      state: mcpReq.requestState(),
    };
    return {
      content: [{ type: 'text', text: JSON.stringify({ ...seen, signal: [mcpReq.signal instanceof AbortSignal, mcpReq.signal.aborted] }) }],
    };
  });
  server.registerTool('log', { inputSchema: z.object({}) }, async (_args, ctx) => {
    await ctx.mcpReq.log('debug', 'below the level');
    await ctx.mcpReq.log('warning', { at: 'the level' }, 'fixture');
    return { content: [{ type: 'text', text: 'logged' }] };
  });
  server.registerTool('ask', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const answer = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'name?', requestedSchema: { type: 'object', properties: {} } });
    return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
  });
  // A request to the client, which the modern era refuses before sending: as a spec method, and with a result schema.
  server.registerTool('send', { inputSchema: z.object({ schema: z.boolean() }) }, async ({ schema }, ctx) => {
    const answer = schema
      ? await ctx.mcpReq.send({ method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } }, z.object({}))
      : await ctx.mcpReq.send({ method: 'roots/list' });
    return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
  });
  // An input request the client did not declare the capability for: the SDK answers -32021 on HTTP 400.
  server.registerTool('needs_sampling', { inputSchema: z.object({}) }, async () =>
    inputRequired({
      inputRequests: {
        sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'yes?' } }], maxTokens: 5 }),
      },
    }),
  );
  server.registerTool(
    'sum',
    { inputSchema: z.object({ values: z.array(z.number()) }), outputSchema: z.object({ total: z.number() }) },
    async ({ values }) => {
      const total = values.reduce((a, b) => a + b, 0);
      return { content: [{ type: 'text', text: String(total) }], structuredContent: { total } };
    },
  );
  server.registerTool('steps', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined)
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } });
    return { content: [{ type: 'text', text: 'stepped' }] };
  });
  server.registerTool('hold', { inputSchema: z.object({}) }, async (_args, ctx) => {
    await new Promise<void>((resolve) => {
      held.release = resolve;
      ctx.mcpReq.signal.addEventListener('abort', () => {
        held.aborted = true;
        resolve();
      });
    });
    return { content: [{ type: 'text', text: 'released' }] };
  });
  // Announced changes to an instance's tools, prompts and templates: its memoised listings must follow them.
  const sometimes = server.registerTool('sometimes', { inputSchema: z.object({}) }, async () => ({ content: [] }));
  const sometimesPrompt = server.registerPrompt('sometimes', {}, () => ({ messages: [] }));
  const readMaybe = async (uri: URL) => ({ contents: [{ uri: uri.href, text: 'maybe' }] });
  const registerMaybe = () =>
    server.registerResource('sometimes', new ResourceTemplate('maybe://{id}', { list: undefined }), {}, readMaybe);
  let sometimesTemplate: ReturnType<typeof registerMaybe> | undefined = registerMaybe();
  server.registerTool('toggle', { inputSchema: z.object({ what: z.enum(['tool', 'prompt', 'template']) }) }, async ({ what }) => {
    if (what === 'tool') sometimes.update({ enabled: !sometimes.enabled });
    if (what === 'prompt') sometimesPrompt.update({ enabled: !sometimesPrompt.enabled });
    if (what === 'template') {
      sometimesTemplate?.remove();
      sometimesTemplate = sometimesTemplate ? undefined : registerMaybe();
    }
    return { content: [] };
  });
  server.registerPrompt('greet', { argsSchema: z.object({ name: z.string() }) }, ({ name }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }],
  }));
  server.registerPrompt('refuse', {}, () => {
    throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'not today', { retryAfter: 5 });
  });
  server.registerResource('note', 'note://one', {}, async (uri) => ({ contents: [{ uri: uri.href, text: 'one' }] }));
  server.registerResource('notes', new ResourceTemplate('note://{id}', { list: undefined }), {}, async (uri, { id }) => ({
    contents: [{ uri: uri.href, text: String(id) }],
  }));
  return server;
}

/** The request of either era: its headers without those a case takes away (undefined), and its body as JSON. */
function request(headers: Record<string, string | undefined>, body: object) {
  return {
    headers: Object.fromEntries(Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    body: JSON.stringify(body),
  };
}

export const envelope = {
  'io.modelcontextprotocol/protocolVersion': REVISION,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** A 2026-07-28 request as a conforming client sends it, with `change` applied to its headers and body. */
export function modern(
  method: string,
  params: Record<string, unknown> = {},
  change: { headers?: Record<string, string | undefined>; meta?: Record<string, unknown>; body?: Record<string, unknown> } = {},
) {
  const named = (params.name ?? params.uri) as string | undefined;
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': REVISION,
    'mcp-method': method,
    ...(named !== undefined && ['tools/call', 'prompts/get', 'resources/read'].includes(method) && { 'mcp-name': named }),
    ...change.headers,
  };
  return request(headers, { jsonrpc: '2.0', id: 7, method, params: { ...params, _meta: { ...envelope, ...change.meta } }, ...change.body });
}

export const CASES: [string, ReturnType<typeof modern>][] = [
  ['a tool call', modern('tools/call', { name: 'echo', arguments: { message: 'hi' } })],
  ['invalid arguments', modern('tools/call', { name: 'echo', arguments: { message: 42 } })],
  ['missing arguments', modern('tools/call', { name: 'echo' })],
  ['an unknown tool', modern('tools/call', { name: 'nope', arguments: {} })],
  ['a tool that throws', modern('tools/call', { name: 'fail', arguments: {} })],
  [
    'a notification before the result (an event stream)',
    modern('tools/call', { name: 'steps', arguments: {} }, { meta: { progressToken: 'p1' } }),
  ],
  [
    'a handler reading its request',
    modern('tools/call', { name: 'inspect', arguments: {} }, { headers: { 'x-probe': 'P', 'x-probe-two': 'Q' } }),
  ],
  [
    'a header-mirrored parameter with its header',
    modern('tools/call', { name: 'regional', arguments: { region: 'eu' } }, { headers: { 'mcp-param-region': 'eu' } }),
  ],
  ['a header-mirrored parameter without its header', modern('tools/call', { name: 'regional', arguments: { region: 'eu' } })],
  ['a handler reading its context', modern('tools/call', { name: 'context', arguments: {} })],
  [
    'a handler reading its context, with more in _meta',
    modern('tools/call', { name: 'context', arguments: {} }, { meta: { progressToken: 'p2', 'example.com/trace': 't' } }),
  ],
  [
    'logging at the level the envelope asks for',
    modern('tools/call', { name: 'log', arguments: {} }, { meta: { 'io.modelcontextprotocol/logLevel': 'info' } }),
  ],
  ['logging with no level asked for', modern('tools/call', { name: 'log', arguments: {} })],
  ['a handler asking the client for input', modern('tools/call', { name: 'ask', arguments: {} })],
  ['a handler sending a request to the client', modern('tools/call', { name: 'send', arguments: { schema: false } })],
  ['a handler sending a request with its result schema', modern('tools/call', { name: 'send', arguments: { schema: true } })],
  ['a prompt that throws a protocol error with data', modern('prompts/get', { name: 'refuse' })],
  [
    'an input request the client has no capability for (-32021 on HTTP 400)',
    modern('tools/call', { name: 'needs_sampling', arguments: {} }),
  ],
  ['a retry carrying requestState', modern('tools/call', { name: 'echo', arguments: { message: 'hi' }, requestState: 'opaque' })],
  ['structured output', modern('tools/call', { name: 'sum', arguments: { values: [1, 2, 3, 4, 5] } })],
  ['tools/list', modern('tools/list')],
  ['prompts/list', modern('prompts/list')],
  ['prompts/get', modern('prompts/get', { name: 'greet', arguments: { name: 'Ada' } })],
  ['an unknown prompt', modern('prompts/get', { name: 'nope' })],
  ['resources/list', modern('resources/list')],
  ['resources/templates/list', modern('resources/templates/list')],
  ['resources/read', modern('resources/read', { uri: 'note://one' })],
  ['a templated read', modern('resources/read', { uri: 'note://42' })],
  ['ping', modern('ping')],
  ['tools/list again (the lane answers it from its memo)', modern('tools/list')],
  ['tools/list with another id', modern('tools/list', {}, { body: { id: 'list-2' } })],
  ['tools/list with a cursor', modern('tools/list', { cursor: 'next' })],
  ['prompts/list again (from the memo)', modern('prompts/list')],
  ['resources/templates/list again (from the memo)', modern('resources/templates/list')],
  [
    'a method the era does not have',
    modern('initialize', { protocolVersion: REVISION, capabilities: {}, clientInfo: { name: 'raw', version: '0' } }),
  ],
  [
    'Mcp-Name disagreeing with the body',
    modern('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { headers: { 'mcp-name': 'other' } }),
  ],
  ['no Mcp-Name', modern('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { headers: { 'mcp-name': undefined } })],
  ['no MCP-Protocol-Version header', modern('tools/list', {}, { headers: { 'mcp-protocol-version': undefined } })],
  [
    'an unsupported revision',
    modern(
      'tools/list',
      {},
      { headers: { 'mcp-protocol-version': '2099-01-01' }, meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
    ),
  ],
  ['a malformed envelope', modern('tools/list', {}, { meta: { 'io.modelcontextprotocol/clientInfo': 'not an object' } })],
  ['a text/plain body', modern('tools/list', {}, { headers: { 'content-type': 'text/plain' } })],
  // The envelope seen above again, in requests the SDK's schemas refuse or read differently: the lane's memo of
  // classified envelopes must not answer them.
  ['a fractional id', modern('tools/list', {}, { body: { id: 1.5 } })],
  ['an extra top-level member', modern('tools/list', {}, { body: { extra: true } })],
  ['a fractional progress token', modern('tools/call', { name: 'steps', arguments: {} }, { meta: { progressToken: 1.5 } })],
  ['malformed task metadata', modern('tools/list', {}, { meta: { 'io.modelcontextprotocol/related-task': { taskId: 5 } } })],
  ['a null clientInfo', modern('tools/list', {}, { meta: { 'io.modelcontextprotocol/clientInfo': null } })],
  ['no clientCapabilities', modern('tools/list', {}, { meta: { 'io.modelcontextprotocol/clientCapabilities': undefined } })],
  ['a log level the era does not have', modern('tools/list', {}, { meta: { 'io.modelcontextprotocol/logLevel': 'loud' } })],
  ["a header version other than the envelope's", modern('tools/list', {}, { headers: { 'mcp-protocol-version': '2025-11-25' } })],
  [
    'Mcp-Name as a Base64 sentinel',
    modern('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { headers: { 'mcp-name': '=?base64?ZWNobw==?=' } }),
  ],
];

export const LEGACY = '2025-11-25';

/** A request as a 2025-era client sends it to a stateless server after initialize: no envelope, no session. */
export function legacy(
  method: string,
  params?: Record<string, unknown>,
  change: { headers?: Record<string, string | undefined>; body?: Record<string, unknown> } = {},
) {
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': LEGACY,
    ...change.headers,
  };
  return request(headers, { jsonrpc: '2.0', id: 7, method, ...(params && { params }), ...change.body });
}

// Every case of CASES that a 2025-era client can send, in its form, and what only that era has. Not the handlers
// that ask the client for input or send it a request: on a stateless 2025 exchange the answer can never come, so
// the SDK's entry waits out its request timeout as the lane would.
export const LEGACY_CASES: [string, ReturnType<typeof legacy>][] = [
  ['a tool call', legacy('tools/call', { name: 'echo', arguments: { message: 'hi' } })],
  ['invalid arguments', legacy('tools/call', { name: 'echo', arguments: { message: 42 } })],
  ['missing arguments', legacy('tools/call', { name: 'echo' })],
  ['an unknown tool', legacy('tools/call', { name: 'nope', arguments: {} })],
  ['a tool that throws', legacy('tools/call', { name: 'fail', arguments: {} })],
  ['a notification before the result', legacy('tools/call', { name: 'steps', arguments: {}, _meta: { progressToken: 'p1' } })],
  [
    'a handler reading its request',
    legacy('tools/call', { name: 'inspect', arguments: {} }, { headers: { 'x-probe': 'P', 'x-probe-two': 'Q' } }),
  ],
  [
    'a header-mirrored parameter without its header (no such check in 2025)',
    legacy('tools/call', { name: 'regional', arguments: { region: 'eu' } }),
  ],
  ['a handler reading its context', legacy('tools/call', { name: 'context', arguments: {} })],
  ['logging with no level set', legacy('tools/call', { name: 'log', arguments: {} })],
  ['the client identity (none: initialize is another exchange)', legacy('tools/call', { name: 'who', arguments: {} })],
  ['a prompt that throws a protocol error with data', legacy('prompts/get', { name: 'refuse' })],
  ['structured output', legacy('tools/call', { name: 'sum', arguments: { values: [1, 2, 3, 4, 5] } })],
  ['tools/list', legacy('tools/list')],
  ['tools/list with empty params', legacy('tools/list', {})],
  ['prompts/list', legacy('prompts/list')],
  ['prompts/get', legacy('prompts/get', { name: 'greet', arguments: { name: 'Ada' } })],
  ['an unknown prompt', legacy('prompts/get', { name: 'nope' })],
  ['resources/list', legacy('resources/list')],
  ['resources/templates/list', legacy('resources/templates/list')],
  ['resources/read', legacy('resources/read', { uri: 'note://one' })],
  ['a templated read', legacy('resources/read', { uri: 'note://42' })],
  ['ping', legacy('ping')],
  ['tools/list again (from the memo)', legacy('tools/list')],
  ['tools/list with another id', legacy('tools/list', undefined, { body: { id: 'list-2' } })],
  ['tools/list with a cursor', legacy('tools/list', { cursor: 'next' })],
  // What changes an instance: on the entry, each time a new one; the lane must never take one back that holds it.
  [
    'initialize',
    legacy('initialize', { protocolVersion: LEGACY, capabilities: { sampling: {} }, clientInfo: { name: 'raw', version: '0' } }),
  ],
  ['the client identity after an initialize', legacy('tools/call', { name: 'who', arguments: {} })],
  ['logging/setLevel', legacy('logging/setLevel', { level: 'error' })],
  ['logging after a setLevel', legacy('tools/call', { name: 'log', arguments: {} })],
  [
    'an older revision',
    legacy('tools/call', { name: 'echo', arguments: { message: 'hi' } }, { headers: { 'mcp-protocol-version': '2025-06-18' } }),
  ],
  ['an unsupported revision', legacy('tools/list', undefined, { headers: { 'mcp-protocol-version': '2024-01-01' } })],
  ['no MCP-Protocol-Version header', legacy('tools/list', undefined, { headers: { 'mcp-protocol-version': undefined } })],
  ['an Accept without event streams', legacy('tools/list', undefined, { headers: { accept: 'application/json' } })],
  ['a session id', legacy('tools/list', undefined, { headers: { 'mcp-session-id': 'nope' } })],
  ['a text/plain body', legacy('tools/list', undefined, { headers: { 'content-type': 'text/plain' } })],
  ['a fractional id', legacy('tools/list', undefined, { body: { id: 1.5 } })],
  ['an extra top-level member', legacy('tools/list', undefined, { body: { extra: true } })],
  ['params that are not an object', legacy('tools/list', undefined, { body: { params: [1] } })],
];
