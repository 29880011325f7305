import { randomUUID } from 'node:crypto';
import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { compose } from './compose';
import {
  accessOf,
  callerOf,
  clientAddressOf,
  requestIdOf,
  type Access,
  type CallContext,
  type Caller,
  type CallKind,
  type Middleware,
} from './context';
import { inChildSpan } from './spans';
import { reportOutcome, settle, type CallOutcome } from './outcome';

type Callback = (...args: unknown[]) => unknown;
type Described = Pick<CallContext, 'kind' | 'name' | 'uri' | 'arguments' | 'access'>;

/**
 * Puts every tool, resource and prompt registered on `server` from now on behind the middleware chain. Call it
 * right after `new McpServer(...)`; registrations keep the SDK's own API and types.
 */
export function withMiddleware(server: McpServer, middlewares: readonly Middleware[]): McpServer {
  const run = compose(middlewares);

  // The host learns how each call ended from here, the outermost layer, whatever the chain holds.
  const call = (described: Described, sdk: ServerContext, handler: (sdk: ServerContext) => unknown): Promise<unknown> => {
    const ctx = new Call(described, sdk);
    return settle(
      ctx,
      () => run(ctx, () => inChildSpan(described.kind, () => handler(withSignalOf(ctx, sdk)), described.name)),
      (outcome) => reportOutcome(sdk, outcome),
    );
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
        ? (uri: URL, sdk: ServerContext) =>
            call({ kind: 'resource', name, uri: uri.href, arguments: undefined, access }, sdk, (inner) => cb(uri, inner))
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

/**
 * One call through the pipeline. Its signal, the SDK's linked to abort(), is made only when first read: an
 * AbortSignal and its link cost more than the rest of the chain, and most handlers never read it.
 */
class Call implements CallContext {
  kind: CallKind;
  name: string;
  uri?: string;
  arguments: unknown;
  access: Access;
  caller?: Caller;
  requestId: string;
  clientAddress?: string;
  sessionId?: string;
  state: Record<string, unknown> = {};
  outcome?: CallOutcome = undefined;
  sdk: ServerContext;
  private aborter?: AbortController;

  constructor(described: Described, sdk: ServerContext) {
    this.kind = described.kind;
    this.name = described.name;
    this.uri = described.uri;
    this.arguments = described.arguments;
    this.access = described.access;
    this.caller = callerOf(sdk);
    this.requestId = requestIdOf(sdk) ?? randomUUID();
    this.clientAddress = clientAddressOf(sdk);
    this.sessionId = sdk.sessionId;
    this.sdk = sdk;
  }

  get signal(): AbortSignal {
    if (!this.aborter) {
      const aborter = (this.aborter = new AbortController());
      const outer = this.sdk.mcpReq.signal;
      // Left in place after the call: the SDK's signal belongs to this one request and goes with it.
      if (outer.aborted) aborter.abort(outer.reason);
      else outer.addEventListener('abort', () => aborter.abort(outer.reason), { once: true });
    }
    return this.aborter.signal;
  }

  abort(reason: unknown): void {
    // Unlinked when made here: once aborted, nothing can change the signal any more.
    (this.aborter ??= new AbortController()).abort(reason);
  }
}

/**
 * The SDK's context as the handler sees it: the same but for `mcpReq.signal`, which is the call's, so that a
 * middleware (timeout) can abort it. Proxies, because a copy with a getter in place of the signal costs V8 ~2 µs
 * and more in slow property access, and a copy with the signal itself would make it whether read or not.
 */
function withSignalOf(call: Call, sdk: ServerContext): ServerContext {
  const mcpReq = new Proxy(sdk.mcpReq, { get: (target, key) => (key === 'signal' ? call.signal : Reflect.get(target, key)) });
  return new Proxy(sdk, { get: (target, key) => (key === 'mcpReq' ? mcpReq : Reflect.get(target, key)) });
}
