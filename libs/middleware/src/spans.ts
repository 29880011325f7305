import { SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * Runs `step` as a child span of the active span (the request's server span, when the runtime traces), named
 * `name` or `name target`, or just runs it when there is none: with tracing off this costs one lookup and
 * builds nothing. A throw marks the span with `error.type`, the error's class, and goes on up.
 */
export function inChildSpan<T>(name: string, step: () => T | Promise<T>, target?: string): Promise<T> {
  if (!trace.getActiveSpan()) return Promise.resolve(step());
  const spanName = target === undefined ? name : `${name} ${target}`;
  return trace.getTracer('@mcp-fleet/middleware').startActiveSpan(spanName, async (span) => {
    try {
      return await step();
    } catch (error) {
      span.setAttribute('error.type', error instanceof Error ? error.constructor.name : typeof error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message.slice(0, 256) : undefined });
      throw error;
    } finally {
      span.end();
    }
  });
}
