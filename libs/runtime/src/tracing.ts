import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { ConfigError } from './config';

/**
 * Traces per the OpenTelemetry MCP semantic conventions, exported over OTLP/HTTP and configured by the standard
 * OTEL_* variables. Off (no SDK loaded, nothing on the request path but a check) unless an endpoint is set.
 */
export interface Tracing {
  tracer: Tracer;
  /** Sends every span that has ended: a function awaits it before its invocation returns. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (at shutdown). */
  shutdown(): Promise<void>;
}

type Env = Record<string, string | undefined>;

/** Where spans go (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT), or undefined when tracing is off. */
export function tracesEndpoint(env: Env = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim() === 'none') return undefined;
  for (const key of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const value = env[key]?.trim();
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || value.length > 2048)
      throw new ConfigError([
        `${key} is "${value.slice(0, 100)}": must be an http(s) URL of an OTLP/HTTP endpoint, e.g. http://otel-collector:4318`,
      ]);
    return value;
  }
  return undefined;
}

/**
 * Starts tracing for `service` when an endpoint is set (tracesEndpoint): the OpenTelemetry SDK, loaded only then,
 * with a batching OTLP/HTTP (JSON) exporter, W3C trace context, the sampler OTEL_TRACES_SAMPLER names, and the
 * resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES describe (the SDK reads those, the OTEL_BSP_* batch
 * settings and the exporter's OTEL_EXPORTER_OTLP_* headers and timeouts from the process's environment).
 */
export async function startTracing(service: string, env: Env = process.env): Promise<Tracing | undefined> {
  const endpoint = tracesEndpoint(env);
  if (!endpoint) return undefined;
  const [
    { BasicTracerProvider, BatchSpanProcessor },
    { OTLPTraceExporter },
    { detectResources, envDetector, resourceFromAttributes },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  const url = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() ? endpoint : `${endpoint.replace(/\/$/, '')}/v1/traces`;
  const provider = new BasicTracerProvider({
    // OTEL_RESOURCE_ATTRIBUTES (the deployment's own labels), under the service's name.
    resource: detectResources({ detectors: [envDetector] }).merge(
      resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || service }),
    ),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: provider.getTracer('@mcp-fleet/runtime'),
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      context.disable();
      propagation.disable();
      trace.disable();
    },
  };
}

/** The parts of a request a server span is made of. */
export interface SpanRequest {
  httpMethod: string;
  labels: { method: string; tool: string };
  body: unknown;
  header(name: 'traceparent' | 'tracestate' | 'mcp-protocol-version'): string | null | undefined;
  /** When the exchange began (performance.now()). */
  startedAt: number;
}

// A traceparent is 55 characters; a tracestate at most 32 members of 256.
const CARRIER_LIMIT = 512;
const bounded = (value: unknown) => (typeof value === 'string' && value.length <= CARRIER_LIMIT ? value : undefined);
const carrierGetter: TextMapGetter<Record<string, string | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
/** The context a carrier (params._meta, or the HTTP headers) holds, if it holds a valid one. */
function extracted(traceparent: unknown, tracestate: unknown): Context | undefined {
  const parent = bounded(traceparent);
  if (!parent) return undefined;
  const found = propagation.extract(ROOT_CONTEXT, { traceparent: parent, tracestate: bounded(tracestate) }, carrierGetter);
  return trace.getSpanContext(found) ? found : undefined;
}

const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

/**
 * The server span of one MCP request, per the semantic conventions: named `{mcp.method.name} {target}`, its parent
 * the trace context the client put in `params._meta` (traceparent, tracestate), else the HTTP request's; when both
 * are there and differ, the HTTP one is linked.
 */
export function startServerSpan(tracer: Tracer, request: SpanRequest): Span {
  const { labels, body } = request;
  const parsed = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const params = typeof parsed?.params === 'object' && parsed.params !== null ? (parsed.params as Record<string, unknown>) : undefined;
  const meta = typeof params?._meta === 'object' && params._meta !== null ? (params._meta as Record<string, unknown>) : undefined;
  const fromMeta = meta && extracted(meta.traceparent, meta.tracestate);
  const fromHeader = extracted(request.header('traceparent'), request.header('tracestate'));
  const links: Link[] = [];
  const headerSpan = fromHeader && trace.getSpanContext(fromHeader);
  if (fromMeta && headerSpan && headerSpan.spanId !== trace.getSpanContext(fromMeta)!.spanId) links.push({ context: headerSpan });

  const known = labels.method !== 'invalid';
  const method = known ? labels.method : request.httpMethod;
  const attributes: Attributes = { 'mcp.method.name': method, 'network.transport': 'tcp', 'network.protocol.name': 'http' };
  let target: string | undefined;
  if (labels.method === 'tools/call' && labels.tool) {
    target = labels.tool;
    attributes['gen_ai.tool.name'] = labels.tool;
    attributes['gen_ai.operation.name'] = 'execute_tool';
  } else if (labels.method === 'prompts/get' && typeof params?.name === 'string') {
    target = params.name.slice(0, 128);
    attributes['gen_ai.prompt.name'] = target;
  } else if (labels.method === 'resources/read' && typeof params?.uri === 'string') {
    attributes['mcp.resource.uri'] = params.uri.slice(0, 1024);
  }
  const id = parsed?.id;
  if (typeof id === 'string' || typeof id === 'number') attributes['jsonrpc.request.id'] = String(id).slice(0, 128);
  const version = bounded(meta?.[MODERN_VERSION_KEY]) ?? bounded(request.header('mcp-protocol-version'));
  if (version) attributes['mcp.protocol.version'] = version.slice(0, 32);

  return tracer.startSpan(
    target ? `${method} ${target}` : method,
    { kind: SpanKind.SERVER, attributes, links, startTime: performance.timeOrigin + request.startedAt },
    fromMeta ?? fromHeader ?? ROOT_CONTEXT,
  );
}

/** Ends a server span with what its exchange came to: `error.type` the outcome class of any failure. */
export function endServerSpan(span: Span, outcome: string, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (outcome !== 'ok' && outcome !== 'stream') {
    span.setAttribute('error.type', outcome);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** A finished step of an exchange (performance.now() times) as a child of `parent`: the token check, timed before the span began. */
export function recordChild(tracer: Tracer, parent: Span, name: string, from: number, to: number, failed?: string): void {
  const child = tracer.startSpan(name, { startTime: performance.timeOrigin + from }, trace.setSpan(ROOT_CONTEXT, parent));
  if (failed) {
    child.setAttribute('error.type', failed);
    child.setStatus({ code: SpanStatusCode.ERROR });
  }
  child.end(performance.timeOrigin + to);
}

/** Runs `fn` with `span` as the active span, so that what it does (middleware, handler, queries) is its child. */
export const withinSpan = <T>(span: Span, fn: () => T): T => context.with(trace.setSpan(context.active(), span), fn);

/** The active span's ids for a log line, or nothing: what correlates a log line with its trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
