import type { ServerContext } from '@modelcontextprotocol/server';
import type { CallContext } from './context';
import { outcomeOfError } from './errors';

/**
 * How a call ended, in the words of the metrics contract (docs/monitoring.md, "The metrics contract"): whose fault a failure was decides
 * what an availability objective counts. Only `server_error` spends the error budget.
 * - `ok`: answered.
 * - `tool_error`: the tool's own, expected error result (a PublicError such as "not found", or an isError result
 *   the handler returned).
 * - `client_error`: the request was wrong (invalid arguments, an unknown tool or resource).
 * - `refused`: turned away before the handler (no or a bad token, a missing scope, a rate limit).
 * - `server_error`: the server failed (a handler that threw, a timeout, a dependency down, an invalid answer).
 */
export type CallOutcome = 'ok' | 'tool_error' | 'client_error' | 'refused' | 'server_error';

export function isErrorResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
}

/**
 * Runs the rest of the chain and tells `done` how the call ended, passing its result or error on. A middleware
 * that turns a throw into an answer (errors) writes what the throw was on `ctx.outcome`, which wins over the
 * answer's look: a crashed handler's isError result is the server's fault, not the tool's.
 */
export async function settle(ctx: CallContext, next: () => Promise<unknown>, done: (outcome: CallOutcome) => void): Promise<unknown> {
  let outcome: CallOutcome = 'ok';
  try {
    const result = await next();
    outcome = ctx.outcome ?? (isErrorResult(result) ? 'tool_error' : 'ok');
    return result;
  } catch (error) {
    outcome = ctx.outcome ?? outcomeOfError(error, ctx.kind);
    throw error;
  } finally {
    done(outcome);
  }
}

// Written on the HTTP request the SDK hands the handler (ctx.http.req), where the host that made it reads it back.
// A property, not a WeakMap entry: one ephemeron per request made V8's garbage collection the lane's largest cost.
const OUTCOME = Symbol('mcp-fleet.outcome');

/** Tells the HTTP host how the call on this request ended (withMiddleware does, for every call). */
export function reportOutcome(sdk: Pick<ServerContext, 'http'>, outcome: CallOutcome): void {
  const req = sdk.http?.req as { [OUTCOME]?: CallOutcome } | undefined;
  if (req) req[OUTCOME] = outcome;
}

/**
 * How the pipeline said the call on `req` ended; undefined when no call of the pipeline ran for it (the SDK
 * answered alone: an unknown tool, arguments its schema refused, a listing).
 */
export function reportedOutcome(req: Request): CallOutcome | undefined {
  return (req as { [OUTCOME]?: CallOutcome })[OUTCOME];
}
