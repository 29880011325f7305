import type { AuthInfo, ServerContext } from '@modelcontextprotocol/server';
import type { CallOutcome } from './outcome';

export type CallKind = 'tool' | 'resource' | 'prompt';

/** Who is calling, from a verified bearer token. */
export interface Caller {
  /** The token's subject (`sub`), else its client id. */
  id: string;
  scopes: string[];
  claims: Record<string, unknown>;
}

/** What a tool, resource or prompt declares about who may use it. */
export interface Access {
  /** Callable without a token (documents' `login`). */
  public: boolean;
  /** Scopes the caller's token must carry. */
  scopes: string[];
}

/** The minimal logger the middlewares write to; a pino logger is one. */
export interface LogSink {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** One call travelling through the pipeline. */
export interface CallContext {
  kind: CallKind;
  /** The tool or prompt name, or the resource's registered name. */
  name: string;
  /** The resource URI, for resource reads. */
  uri?: string;
  arguments: unknown;
  caller?: Caller;
  access: Access;
  requestId: string;
  /** The client's address as the runtime determined it (behind proxies only as far as `http.trustProxy` allows). */
  clientAddress?: string;
  sessionId?: string;
  /** Aborted when the client cancels, the connection drops, or a middleware gives up on the call (abort). */
  readonly signal: AbortSignal;
  /** Gives up on the call: aborts `signal`, and so the handler's, with `reason` (the timeout middleware does). */
  abort(reason: unknown): void;
  /** Per-call scratch space for middlewares and handlers. */
  state: Record<string, unknown>;
  /** Set by a middleware that answers for a throw (errors): how the call really ended, whatever the answer looks like. */
  outcome?: CallOutcome;
  /** The SDK's own context, which the handler receives (with `signal` above in place of the SDK's). */
  sdk: ServerContext;
}

export type Middleware = (ctx: CallContext, next: () => Promise<unknown>) => Promise<unknown>;

const ACCESS_META_KEY = 'io.mcp-fleet/access';

/**
 * Declares access in a registration's `_meta`, where the pipeline reads it (and clients can see it in the
 * list results): `server.registerTool('login', { ..., _meta: access({ public: true }) }, ...)`.
 */
export function access(declared: Partial<Access>): Record<string, unknown> {
  return { [ACCESS_META_KEY]: { public: declared.public ?? false, scopes: declared.scopes ?? [] } };
}

/** The access a registration declares; one that declares none is not public and needs no scope. */
export function accessOf(meta: Record<string, unknown> | undefined): Access {
  return declaredAccess(meta) ?? { public: false, scopes: [] };
}

/** The access a registration's `_meta` declares with access(...), or undefined when it declares none. */
export function declaredAccess(meta: Record<string, unknown> | undefined): Access | undefined {
  const declared = meta?.[ACCESS_META_KEY] as Partial<Access> | undefined;
  return declared && { public: declared.public ?? false, scopes: declared.scopes ?? [] };
}

export function callerFromAuthInfo(info: AuthInfo | undefined): Caller | undefined {
  if (!info) return undefined;
  const claims = (info.extra ?? {}) as Record<string, unknown>;
  return { id: typeof claims.sub === 'string' ? claims.sub : info.clientId, scopes: info.scopes, claims };
}

/**
 * Who a caller is across tokens and replicas: its token's issuer and subject (a subject is unique only within its
 * issuer). What a change notification's audience names.
 */
export const principalOf = (caller: Caller): string =>
  JSON.stringify([typeof caller.claims.iss === 'string' ? caller.claims.iss : '', caller.id]);

/**
 * The request id of the HTTP request a handler is serving (the runtime sets x-request-id on every request), for
 * its own log lines; undefined outside HTTP.
 */
export function requestIdOf(sdk: Pick<ServerContext, 'http'>): string | undefined {
  return sdk.http?.req?.headers.get('x-request-id') ?? undefined;
}

/**
 * The header the runtime sets, on every request and over whatever the client sent, to the client's address, so
 * the pipeline can limit callers without a token by where they call from.
 */
export const CLIENT_ADDRESS_HEADER = 'x-mcp-fleet-client-address';

/** The client address of the HTTP request a handler is serving; undefined outside HTTP. */
export function clientAddressOf(sdk: Pick<ServerContext, 'http'>): string | undefined {
  return sdk.http?.req?.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined;
}

/** The verified caller of a handler, from the SDK context it receives; undefined without a token. */
export function callerOf(sdk: Pick<ServerContext, 'http'>): Caller | undefined {
  return callerFromAuthInfo(sdk.http?.authInfo);
}
