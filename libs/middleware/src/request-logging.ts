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
    return settle(ctx, next, (outcome) => {
      // Built field by field, not with spreads: a spread's copy costs more than the rest of the line.
      const line: Record<string, unknown> = {
        requestId: ctx.requestId,
        caller: ctx.caller?.id ?? 'anonymous',
        kind: ctx.kind,
        name: ctx.name,
      };
      if (ctx.uri) line.uri = ctx.uri;
      if (options.logArguments) line.arguments = redactSecrets(ctx.arguments);
      line.durationMs = Math.round((performance.now() - started) * 10) / 10;
      line.outcome = outcome;
      options.logger.info(line, 'call');
    });
  };
}
