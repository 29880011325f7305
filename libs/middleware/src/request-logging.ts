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
    let outcome = 'ok';
    try {
      const result = await next();
      if (isErrorResult(result)) outcome = 'tool_error';
      return result;
    } catch (error) {
      outcome = 'error';
      throw error;
    } finally {
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
      );
    }
  };
}

export function isErrorResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
}


