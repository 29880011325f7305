import { randomUUID } from 'node:crypto';
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { compose } from './compose';
import { accessOf, callerOf, clientAddressOf, requestIdOf, type CallContext, type Middleware } from './context';

type Callback = (...args: unknown[]) => unknown;
type Described = Pick<CallContext, 'kind' | 'name' | 'uri' | 'arguments' | 'access'>;

/**
 * Puts every tool, resource and prompt registered on `server` from now on behind the middleware chain. Call it
 * right after `new McpServer(...)`; registrations keep the SDK's own API and types.
 */
export function withMiddleware(server: McpServer, middlewares: readonly Middleware[]): McpServer {
  const run = compose(middlewares);

  const call = (described: Described, sdk: ServerContext, handler: (sdk: ServerContext) => unknown): Promise<unknown> => {
    // Written out, not spread: on Node 20 `{ ...fresh, newKey }` costs ~0.6 µs per added key.
    const ctx: CallContext = {
      kind: described.kind,
      name: described.name,
      uri: described.uri,
      arguments: described.arguments,
      access: described.access,
      caller: callerOf(sdk),
      requestId: requestIdOf(sdk) ?? randomUUID(),
      clientAddress: clientAddressOf(sdk),
      sessionId: sdk.sessionId,
      signal: sdk.mcpReq.signal,
      state: {},
      sdk,
    };
    // The handler sees the pipeline's signal, so that a timeout middleware can abort it.
    return run(ctx, async () => handler(ctx.signal === sdk.mcpReq.signal ? sdk : { ...sdk, mcpReq: { ...sdk.mcpReq, signal: ctx.signal } }));
  };

  const registerTool = server.registerTool.bind(server) as Callback;
  server.registerTool = ((name: string, config: { inputSchema?: unknown; _meta?: Record<string, unknown> }, cb: Callback) => {
    const access = accessOf(config._meta);
    const wrapped =
      config.inputSchema === undefined
        ? (sdk: ServerContext) => call({ kind: 'tool', name, arguments: undefined, access }, sdk, (inner) => cb(inner))
        : (args: unknown, sdk: ServerContext) => call({ kind: 'tool', name, arguments: args, access }, sdk, (inner) => cb(args, inner));
    return registerTool(name, config, wrapped);
  }) as McpServer['registerTool'];

  const registerResource = server.registerResource.bind(server) as Callback;
  server.registerResource = ((name: string, uriOrTemplate: unknown, config: { _meta?: Record<string, unknown> }, cb: Callback) => {
    const access = accessOf(config._meta);
    const wrapped =
      typeof uriOrTemplate === 'string'
        ? (uri: URL, sdk: ServerContext) => call({ kind: 'resource', name, uri: uri.href, arguments: undefined, access }, sdk, (inner) => cb(uri, inner))
        : (uri: URL, variables: unknown, sdk: ServerContext) =>
            call({ kind: 'resource', name, uri: uri.href, arguments: variables, access }, sdk, (inner) => cb(uri, variables, inner));
    return registerResource(name, uriOrTemplate, config, wrapped);
  }) as McpServer['registerResource'];

  const registerPrompt = server.registerPrompt.bind(server) as Callback;
  server.registerPrompt = ((name: string, config: { argsSchema?: unknown; _meta?: Record<string, unknown> }, cb: Callback) => {
    const access = accessOf(config._meta);
    const wrapped =
      config.argsSchema === undefined
        ? (sdk: ServerContext) => call({ kind: 'prompt', name, arguments: undefined, access }, sdk, (inner) => cb(inner))
        : (args: unknown, sdk: ServerContext) => call({ kind: 'prompt', name, arguments: args, access }, sdk, (inner) => cb(args, inner));
    return registerPrompt(name, config, wrapped);
  }) as McpServer['registerPrompt'];

  return server;
}
