import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { CLIENT_ADDRESS_HEADER } from '@mcp-fleet/middleware';
import type { Context } from 'aws-lambda';
import { ConfigError } from './config';
import {
  exchangeRules,
  METADATA_HEADERS,
  refusalBody,
  RESOURCE_METADATA_PATH,
  type Admitted,
  type ExchangeScope,
  type Refusal,
} from './exchange';
import { FastLane, laneWarning } from './lane/fast-lane';
import type { LaneResponse } from './lane/transport';
import { pooledFactory } from './instance-pool';
import { JSON_RPC } from './json-rpc';
import { EMF_METRICS, EMF_NAMESPACE, SERVER_ERROR, type Outcome } from './metrics-contract';
import { fromEvent, splitHeaders, toResult, type EventRequest, type HttpEvent, type HttpResult } from './lambda-events';
import { createMetrics } from './metrics';
import { createTelemetry, listDeclared, type ServiceDefinition } from './serve';
import { startTracing, withinSpan } from './tracing';

/**
 * The Lambda host: the same factory, config, rules and middleware chain as `serve()`, behind Lambda's HTTP events
 * instead of a Node HTTP server. Instances are built once per function instance (pooled, as over HTTP), at cold
 * start, where a config a function cannot serve is refused with the reason.
 */

/** Lambda's limit on a buffered request or response payload. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

type StreamingHandler = (event: HttpEvent, responseStream: Writable, context: Context) => Promise<void>;

export interface LambdaHandlers {
  /** Buffered answers: API Gateway HTTP API (payload 2.0), a Function URL in BUFFERED mode, REST API (payload 1.0). */
  handler(event: HttpEvent, context: Context): Promise<HttpResult>;
  /** A Function URL in RESPONSE_STREAM mode: event streams arrive as they are written. Wrapped by awslambda.streamifyResponse. */
  streamingHandler: StreamingHandler;
}

/** What the Lambda Node.js runtime puts on globalThis.awslambda, as far as the streaming handler uses it. */
interface StreamingRuntime {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  HttpResponseStream: { from(stream: Writable, metadata: Record<string, unknown>): Writable };
}

/** Why a config cannot be served by a function, each with what to set instead. */
export function functionProblems(config: ServiceDefinition['config']): string[] {
  const problems: string[] = [];
  if (config.transport === 'stdio')
    problems.push('transport = "stdio": a function is invoked over HTTP events, it has no stdin; set TRANSPORT=http');
  if (config.http.legacySessions) {
    problems.push(
      'http.legacySessions = true: a session lives in one process, but each call may reach another function instance and instances are frozen between calls; set HTTP__LEGACY_SESSIONS=false (2025-era clients are then served statelessly)',
    );
  }
  return problems;
}

/**
 * Builds an app's service once (its `defineService()`, told it runs in a function) and returns the handlers.
 * A ConfigError lists what a function cannot serve; the function's init then fails with that message.
 */
export async function createLambdaHandlers(define: () => Promise<ServiceDefinition>): Promise<LambdaHandlers> {
  const service = await define();
  const problems = functionProblems(service.config);
  if (problems.length > 0) throw new ConfigError(problems);
  const { config, name } = service;
  const logger = service.logger ?? createTelemetry(name, config).logger;
  const metrics = service.metrics ?? createMetrics(name);
  const { tools, others } = await listDeclared(service.factory);
  const tracing = service.tracing ?? (await startTracing(name));
  const rules = exchangeRules({
    tracer: tracing?.tracer,
    config,
    logger,
    metrics,
    tools,
    others,
    authenticate: service.authenticate,
    resourceServer: service.resourceServer,
    reach: 'function',
    hostLimit: { bytes: LAMBDA_PAYLOAD_BYTES, what: "Lambda's limit on a buffered payload" },
  });
  // As over HTTP: single requests of both eras on pooled instances, answered by the SDK's own parts.
  const lane = new FastLane(laneWarning(logger));
  const mcp = createMcpHandler(pooledFactory(service.factory, lane), {
    legacy: 'stateless',
    maxRequestBodySize: rules.maxBody,
    onerror: (error) => logger.warn({ err: error.message }, 'mcp request rejected by the SDK'),
  });
  logger.info({ host: 'lambda', tools: tools.size }, 'ready');

  /** One exchange: the answer, and `end` to count and log it with the status sent, once its body has been sent. */
  async function exchange(
    event: HttpEvent,
    context: Context,
  ): Promise<{ response: Response; end: (status: number) => void; format: EventRequest['format'] }> {
    let request: EventRequest;
    try {
      request = fromEvent(event);
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'not an HTTP event');
      return {
        response: notAnHttpEvent(error as Error),
        end: () => undefined,
        format: (event as { version?: unknown })?.version === '2.0' ? '2.0' : '1.0',
      };
    }
    const { format } = request;
    if (request.path.startsWith(RESOURCE_METADATA_PATH)) return { response: metadataResponse(request), end: () => undefined, format };
    if (request.path !== '/mcp') return { response: notFound(request.path), end: () => undefined, format };
    const scope = rules.begin(request.method, request.headers.get('x-request-id'), context.awsRequestId);
    let response: Response;
    try {
      response = await answer(request, scope);
    } catch (error) {
      logger.error({ err: error, requestId: scope.requestId }, 'request failed inside the runtime');
      response = refusalResponse({ status: 500, code: JSON_RPC.serverError, message: 'Internal error' });
    }
    response.headers.set('x-request-id', scope.requestId);
    return {
      response,
      format,
      end: (status) => {
        const seconds = (performance.now() - scope.startedAt) / 1000;
        const outcome = rules.end(scope, { httpMethod: request.method, status, seconds, fields: { awsRequestId: context.awsRequestId } });
        // The environment may be frozen, or reclaimed, once the invocation returns: its log lines go out now.
        logger.flush();
        writeEmf(name, scope, outcome, seconds, context.awsRequestId);
      },
    };
  }

  /** The protected-resource metadata (RFC 9728), for any origin to read; 404 where the service has none. */
  function metadataResponse(request: EventRequest): Response {
    const answer = rules.protectedResourceMetadata(request.path, request.headers.get('host'), request.domainName);
    if (!answer) return notFound(request.path);
    if ('status' in answer) return refusalResponse(answer);
    return new Response(JSON.stringify(answer.document), {
      status: 200,
      headers: { 'content-type': 'application/json', ...METADATA_HEADERS },
    });
  }

  /** Admits the request or refuses it, dispatches it to the fast lane or the SDK's entry, and judges the entry's answer. */
  async function answer(request: EventRequest, scope: ExchangeScope): Promise<Response> {
    const admitted = await rules.admit(
      {
        method: request.method,
        header: (name) => request.headers.get(name),
        body: (limit) => ((request.body?.length ?? 0) > limit ? undefined : (request.body?.toString('utf8') ?? '')),
        invokedOn: request.domainName,
      },
      scope,
    );
    if ('status' in admitted) return refusalResponse(admitted);
    return scope.span ? withinSpan(scope.span, () => dispatch(request, scope, admitted)) : dispatch(request, scope, admitted);
  }

  /** Hands an admitted request to the fast lane or the SDK's entry (within its span, with tracing on). */
  async function dispatch(request: EventRequest, scope: ExchangeScope, { body, authInfo }: Admitted): Promise<Response> {
    // The pipeline reads the request id and client address from the request's headers, whatever the client sent.
    request.headers.set('x-request-id', scope.requestId);
    request.headers.set(CLIENT_ADDRESS_HEADER, request.sourceIp);
    // An invocation cannot hold a listen stream open (it would run, and be billed, until its timeout).
    if (scope.labels.method === 'subscriptions/listen')
      return refusalResponse({
        status: 400,
        code: JSON_RPC.methodNotFound,
        message:
          'subscriptions/listen is not served by a function: an invocation cannot hold a stream open; listen to the app where it runs as a process',
      });
    const sink = new ResponseSink();
    const req = { method: request.method, url: request.target, headers: Object.fromEntries(request.headers) };
    if (lane.serve({ req, res: sink, body, authInfo, settle: (outcome) => (scope.outcome = outcome) })) return sink.response;
    const webRequest = new Request(request.url, { method: request.method, headers: request.headers });
    const response = await mcp.fetch(webRequest, { authInfo, parsedBody: body });
    return rules.judge(scope, webRequest, response);
  }

  async function handler(event: HttpEvent, context: Context): Promise<HttpResult> {
    const { response, end, format } = await exchange(event, context);
    let result = toResult(response, Buffer.from(await response.arrayBuffer()), format);
    const bytes = Buffer.byteLength(result.body ?? '');
    // Lambda would fail the invocation, and the client would learn nothing; say what happened instead.
    if (bytes > LAMBDA_PAYLOAD_BYTES - 64 * 1024) {
      logger.error({ bytes }, 'answer too large for a buffered Lambda response');
      const refusal = refusalResponse({
        status: 500,
        code: JSON_RPC.serverError,
        message: `The answer is over Lambda's ${LAMBDA_PAYLOAD_BYTES}-byte limit on a buffered response; serve this app through the streaming handler (a Function URL with invoke mode RESPONSE_STREAM)`,
      });
      refusal.headers.set('x-request-id', response.headers.get('x-request-id') ?? '');
      result = toResult(refusal, Buffer.from(await refusal.arrayBuffer()), format);
    }
    end(result.statusCode ?? 200);
    // As the log lines: the environment may be frozen once the invocation returns.
    await tracing?.flush();
    return result;
  }

  async function streaming(event: HttpEvent, responseStream: Writable, context: Context): Promise<void> {
    const runtime = streamingRuntime();
    const { response, end } = await exchange(event, context);
    const { headers, cookies } = splitHeaders(response);
    const stream = runtime.HttpResponseStream.from(responseStream, { statusCode: response.status, headers, cookies });
    try {
      if (response.body) await pipeline(Readable.fromWeb(response.body as WebReadableStream), stream);
      else stream.end();
    } finally {
      end(response.status);
      await tracing?.flush();
    }
  }

  const runtime = installedRuntime();
  return { handler, streamingHandler: runtime ? runtime.streamifyResponse(streaming) : streaming };
}

const installedRuntime = () => (globalThis as unknown as { awslambda?: StreamingRuntime }).awslambda;

function streamingRuntime(): StreamingRuntime {
  const runtime = installedRuntime();
  if (!runtime)
    throw new Error(
      'globalThis.awslambda is missing: the streaming handler runs in the Lambda Node.js runtime only; use `handler` elsewhere',
    );
  return runtime;
}

/**
 * As much of a ServerResponse as the fast lane writes to (writeHead, write, end, destroy, `close`), as a web
 * Response: it resolves when the head is written, and its body streams what is written after.
 */
class ResponseSink extends EventEmitter implements LaneResponse {
  headersSent = false;
  readonly response: Promise<Response>;
  private resolve!: (response: Response) => void;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private readonly body = new ReadableStream<Uint8Array>({ start: (controller) => void (this.controller = controller) });
  private readonly encoder = new TextEncoder();

  constructor() {
    super();
    this.response = new Promise((resolve) => (this.resolve = resolve));
  }

  writeHead(status: number, headers: OutgoingHttpHeaders): this {
    this.headersSent = true;
    const values = Object.entries(headers).map(([name, value]) => [name, String(value)]);
    this.resolve(new Response(this.body, { status, headers: values }));
    return this;
  }

  write(chunk: string): boolean {
    this.controller.enqueue(this.encoder.encode(chunk));
    return true;
  }

  end(chunk?: string): this {
    if (chunk) this.write(chunk);
    this.controller.close();
    this.emit('close');
    return this;
  }

  destroy(error?: Error): this {
    this.controller.error(error);
    this.emit('close');
    return this;
  }
}

function refusalResponse(refusal: Refusal): Response {
  return new Response(refusalBody(refusal), {
    status: refusal.status,
    headers: { 'content-type': 'application/json', ...refusal.headers },
  });
}

/** What a payload other than API Gateway's or a Function URL's HTTP event is answered with. */
function notAnHttpEvent(error: Error): Response {
  const message = `not an HTTP event of API Gateway or a Function URL: ${error.message}`;
  return new Response(JSON.stringify({ error: message }), { status: 400, headers: { 'content-type': 'application/json' } });
}

/** The HTTP host's probes and metrics are the platform's in a function: say so instead of a bare 404. */
function notFound(path: string): Response {
  const error = `no route for ${path}; the MCP endpoint is /mcp. A function has no /healthz, /readyz or /metrics: Lambda reports its health, and request metrics are CloudWatch Embedded Metric Format lines in its logs`;
  return new Response(JSON.stringify({ error }), { status: 404, headers: { 'content-type': 'application/json' } });
}

/**
 * One CloudWatch Embedded Metric Format line per exchange, from the same outcome the Prometheus counters take:
 * CloudWatch turns it into the Requests, ServerErrors and Latency metrics of the service, which the deployment's
 * alarms watch; method, tool and outcome stay searchable properties, not dimensions (each would be a metric).
 */
function writeEmf(service: string, scope: ExchangeScope, outcome: Outcome, seconds: number, awsRequestId: string): void {
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: EMF_NAMESPACE,
          Dimensions: [['Service']],
          Metrics: [
            { Name: EMF_METRICS.requests, Unit: 'Count' },
            { Name: EMF_METRICS.serverErrors, Unit: 'Count' },
            { Name: EMF_METRICS.latency, Unit: 'Milliseconds' },
          ],
        },
      ],
    },
    Service: service,
    [EMF_METRICS.requests]: 1,
    [EMF_METRICS.serverErrors]: outcome === SERVER_ERROR ? 1 : 0,
    [EMF_METRICS.latency]: Math.round(seconds * 10_000) / 10,
    method: scope.labels.method,
    tool: scope.labels.tool,
    outcome,
    requestId: scope.requestId,
    awsRequestId,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
