import type { LogSink, Middleware } from './context';
import { redactSecrets } from './redact';

export interface RequestLoggingOptions {
  logger: LogSink;
  /** Log each call's arguments too (with password, token and secret fields redacted). Off by default. */
  logArguments?: boolean;
}

/** One line per call: request id, caller, kind and name or URI, duration and outcome. */
export function requestLogging(options: RequestLoggingOptions): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    return settle(next, (outcome) =>
      options.logger.info(
        {
          requestId: ctx.requestId,
          caller: ctx.caller?.id ?? 'anonymous',
          kind: ctx.kind,
          name: ctx.name,
          ...(ctx.uri ? { uri: ctx.uri } : {}),
          ...(options.logArguments ? { arguments: redactSecrets(ctx.arguments) } : {}),
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          outcome,
        },
        'call',
      ),
    );
  };
}

export function isErrorResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
}

export type CallOutcome = 'ok' | 'tool_error' | 'error';

/** Runs the rest of the chain and tells `done` how it ended — a result, an isError result, or a throw — passing both on. */
export async function settle(next: () => Promise<unknown>, done: (outcome: CallOutcome) => void): Promise<unknown> {
  let outcome: CallOutcome = 'ok';
  try {
    const result = await next();
    if (isErrorResult(result)) outcome = 'tool_error';
    return result;
  } catch (error) {
    outcome = 'error';
    throw error;
  } finally {
    done(outcome);
  }
}


