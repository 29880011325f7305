import type { LogSink, Middleware } from './context';
import { settle } from './outcome';
import { redactSecrets } from './redact';

export interface RequestLoggingOptions {
  logger: LogSink;
  /** Log each call's arguments too (with password, token and secret fields redacted). Off by default. */
  logArguments?: boolean;
}

/** One line per call: request id, caller, kind and name or URI, duration and outcome. */
export function requestLogging(options: RequestLoggingOptions): Middleware {
  // Not async: settle's promise is the answer, and an async function around it would take two more microtask turns.
  return (ctx, next) => {
    const started = performance.now();
    return settle(ctx, next, (outcome) =>
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
