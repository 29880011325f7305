import type { LogSink, Middleware } from './context';

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
          ...(options.logArguments ? { arguments: redact(ctx.arguments) } : {}),
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

const SECRET_KEY = /pass(word)?|token|secret|authorization|api[-_]?key/i;

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) ? '[redacted]' : redact(inner)]));
}

