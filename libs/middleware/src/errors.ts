import { ProtocolError, ProtocolErrorCode, ResourceNotFoundError, type CallToolResult } from '@modelcontextprotocol/server';
import type { CallContext, LogSink, Middleware } from './context';
import type { CallOutcome } from './outcome';

/** An error whose message is written for the client: it reaches them as is. Any other error is hidden. */
export class PublicError extends Error {
  override name = 'PublicError';
  /** The JSON-RPC code used when the call is not a tool call (a tool's error is an isError result). */
  readonly code: number = ProtocolErrorCode.InvalidParams;
}

export class NotFoundError extends PublicError {
  override name = 'NotFoundError';
}

export class ConflictError extends PublicError {
  override name = 'ConflictError';
}

/** No valid token, or a token without the scope the call needs. */
export class AccessError extends PublicError {
  override name = 'AccessError';
  override readonly code = ProtocolErrorCode.InvalidRequest;
}

export class RateLimitError extends PublicError {
  override name = 'RateLimitError';
  override readonly code = ProtocolErrorCode.InvalidRequest;
}

export class TimeoutError extends PublicError {
  override name = 'TimeoutError';
  override readonly code = ProtocolErrorCode.InternalError;
}

/** Whose fault a thrown error is. A PublicError of a tool is its expected error; of a resource or prompt, the request's. */
export function outcomeOfError(error: unknown, kind: CallContext['kind']): CallOutcome {
  if (error instanceof AccessError || error instanceof RateLimitError) return 'refused';
  if (error instanceof PublicError)
    return error.code === ProtocolErrorCode.InternalError ? 'server_error' : kind === 'tool' ? 'tool_error' : 'client_error';
  if (ProtocolError.isInstance(error)) return error.code === ProtocolErrorCode.InternalError ? 'server_error' : 'client_error';
  return 'server_error';
}

/**
 * A thrown error becomes a safe answer: an `isError` tool result, or a JSON-RPC error for resources and prompts.
 * A PublicError's message goes to the client; any other error is logged with its stack, and the client gets a
 * message that names only the request id to look for in the log. `ctx.outcome` records whose fault it was.
 */
export function errors(options: { logger: LogSink }): Middleware {
  return async (ctx, next) => {
    try {
      return await next();
    } catch (error) {
      // The answer below may look like a tool's own error; the outcome says what it was.
      ctx.outcome = outcomeOfError(error, ctx.kind);
      if (ProtocolError.isInstance(error)) throw error;
      const known = error instanceof PublicError;
      const message = known ? error.message : `Internal error (request ${ctx.requestId}); the details are in the server log`;
      if (!known) options.logger.error({ err: error, kind: ctx.kind, name: ctx.name, requestId: ctx.requestId }, 'handler failed');
      if (ctx.kind === 'tool') return { content: [{ type: 'text', text: message }], isError: true } satisfies CallToolResult;
      if (error instanceof NotFoundError && ctx.uri) throw new ResourceNotFoundError(ctx.uri, message);
      throw new ProtocolError(known ? error.code : ProtocolErrorCode.InternalError, message);
    }
  };
}
