import { randomUUID } from 'node:crypto';
import {
  getOAuthProtectedResourceMetadataUrl,
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import { KeysUnavailableError, reportedOutcome, scopeProblem, type Access } from '@mcp-fleet/middleware';
import { ConfigError, type RuntimeConfig } from './config';
import { JSON_RPC, labelRequest, outcomeOf, outcomeOfStatus, type RequestLabels } from './json-rpc';
import { OUTCOMES, type Outcome } from './metrics-contract';
import type { Logger } from './logger';
import { labelChildren, type RuntimeMetrics } from './metrics';
import { endServerSpan, recordChild, startServerSpan, type SpanRequest } from './tracing';
import type { Span, Tracer } from '@opentelemetry/api';

/**
 * One exchange on /mcp, the same for every host: `begin` it, `admit` the request (or answer the refusal it
 * returns), dispatch what was admitted to the fast lane or the SDK's entry, `judge` an answer of the SDK's entry,
 * and `end` it with the status sent. A host (the HTTP server, the Lambda entry) only converts its transport's
 * request (an Incoming) and response, and dispatches.
 */

export interface ExchangeOptions {
  config: RuntimeConfig;
  logger: Logger;
  metrics: RuntimeMetrics;
  /**
   * The tools the service registers, with the access each declares (undefined: none, so the runtime does not
   * challenge its calls): the only values the `tool` metric label takes.
   */
  tools: ReadonlyMap<string, Access | undefined>;
  /** What resources and prompts declare (listDeclared): a read or get of one that declares access is challenged too. */
  others?: OtherAccess;
  /**
   * Verifies a bearer token; a throw answers 401 with its message. Without it, Authorization is not read and the
   * service is no OAuth protected resource.
   */
  authenticate?: Authenticate;
  /** With `authenticate`: what the protected-resource metadata (RFC 9728) says beyond the scopes. */
  resourceServer?: ResourceServerOptions;
  reach: Reach;
  /** A host's own limit on a request body, when it may be below http.maxBodyBytes (Lambda's payload limit). */
  hostLimit?: { bytes: number; what: string };
  /** With tracing on (startTracing): each exchange gets a server span, its token check a child. */
  tracer?: Tracer;
}

/**
 * Checks a bearer token sent to `resource` (the service's protected-resource URL for the request's Host, RFC 9728):
 * the caller it proves, or a throw whose message says why not.
 */
export type Authenticate = (token: string, resource: string | undefined) => Promise<AuthInfo>;

/** The access a resources/read or prompts/get meets, as the service's resources and prompts declare it. */
export interface OtherAccess {
  /** The access of the resource `uri` names: a static resource's, or a URI template's it matches. */
  resource(uri: string): Access | undefined;
  prompt(name: string): Access | undefined;
  /** Every access they declare: their scopes are supported too. */
  all: readonly Access[];
}

/** The service as an OAuth 2.0 protected resource (MCP authorization; RFC 9728). */
export interface ResourceServerOptions {
  /**
   * Its canonical URL, the `resource` clients ask tokens for. Default: the Host the request was sent to (checked
   * against http.allowedHosts, which the manifests set from the Ingress host) + /mcp, https unless on loopback.
   */
  resource?: string;
  /** The issuers of the authorization servers whose tokens it takes, for clients to get one from. */
  authorizationServers?: string[];
}

/** The path of the protected-resource metadata (RFC 9728), before the resource URL's own path. */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';
/** The metadata is public: a browser-based client of any origin may read it. */
export const METADATA_HEADERS = { 'access-control-allow-origin': '*' } as const;

/** What the rules read of a request, from whichever transport it came. */
export interface Incoming {
  method: string;
  header(name: 'host' | 'origin' | 'authorization' | Parameters<SpanRequest['header']>[0]): string | null | undefined;
  /** The body as text, or undefined as soon as it is longer than `limit` bytes. */
  body(limit: number): string | undefined | Promise<string | undefined>;
  /** The domain a function's event was sent to. */
  invokedOn?: string;
}

/** A request `admit` lets through: its parsed body (POST) and the caller its token proved. */
export interface Admitted {
  body: unknown;
  authInfo?: AuthInfo;
}

/**
 * How clients reach the service, which decides the Host and Origin checks when `http.allowedHosts` and
 * `http.allowedOrigins` are not set: on a `loopback` bind only the loopback names and origins; on the `network`
 * (any other bind) the hosts must be configured (the manifests set them from the Ingress host) and no browser
 * origin is allowed; as a `function`, the domain it was invoked on, and no browser origin.
 */
export type Reach = 'loopback' | 'network' | 'function';

/** An answer given instead of dispatching the request, as a JSON-RPC error with an HTTP status. */
export interface Refusal {
  status: number;
  code: number;
  message: string;
  headers?: Record<string, string>;
}

/** One exchange on /mcp, as its metrics and log line will describe it. */
export interface ExchangeScope {
  /** The host's link from its transport back to this exchange (the HTTP host's SCOPE_HEADER), or ''. */
  key: string;
  requestId: string;
  /** How an answer with a success status ended (one with an error status is judged by that status). */
  outcome: Outcome;
  labels: RequestLabels;
  /** A single request's answer, counted as in flight for a drain (holdsDrain). */
  holdsDrain: boolean;
  /** When it began (performance.now()): the start of its duration and of its server span. */
  startedAt: number;
  /** With tracing on: its server span, once admit has read the request. */
  span?: Span;
}

/** What a host knows when an exchange has ended. */
export interface Ended {
  httpMethod: string;
  status: number;
  seconds: number;
  /** More fields for the log line, e.g. the Lambda request id. */
  fields?: Record<string, unknown>;
}

/** Methods whose successful calls the middleware pipeline logs itself. */
const PIPELINE_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get']);

export type ExchangeRules = ReturnType<typeof exchangeRules>;

export function exchangeRules(options: ExchangeOptions) {
  const { config, logger, metrics, tools, others, reach, tracer } = options;
  const hostLimit = options.hostLimit && options.hostLimit.bytes < config.http.maxBodyBytes ? options.hostLimit : undefined;
  const maxBody = hostLimit?.bytes ?? config.http.maxBodyBytes;
  const tooLarge: Refusal = {
    status: 413,
    code: JSON_RPC.invalidRequest,
    message: hostLimit
      ? `Request body exceeds ${maxBody} bytes (${hostLimit.what}; http.maxBodyBytes is higher); send less`
      : `Request body exceeds ${maxBody} bytes (http.maxBodyBytes); send less or raise HTTP__MAX_BODY_BYTES`,
  };
  const problems = hostCheckProblems(config, reach);
  if (problems.length > 0) throw new ConfigError(problems);
  const configured = (list: string[], loopbackDefault: () => string[]) =>
    list.includes('*') ? undefined : list.length > 0 ? list : reach === 'loopback' ? loopbackDefault() : [];
  // undefined: not checked ("*"); a function with no hosts configured takes the domain each event was sent to.
  const allowedHosts =
    reach === 'function' && config.http.allowedHosts.length === 0
      ? 'invoked'
      : configured(config.http.allowedHosts, localhostAllowedHostnames);
  const allowedOrigins = configured(config.http.allowedOrigins, localhostAllowedOrigins);
  const forbidden = (why: string): Refusal => ({ status: 403, code: JSON_RPC.serverError, message: `Forbidden: ${why}` });
  const hostRefusal = (host: string, allowed: string[], which: string) => {
    const result = validateHostHeader(host || undefined, allowed);
    return result.ok ? undefined : forbidden(`${result.message}; allowed hosts: ${allowed.join(', ') || 'none'} (${which})`);
  };
  // The SDK's checks parse a URL each time; a client sends the same Host and Origin every time.
  const hostVerdict = memoized((host: string) => hostRefusal(host, allowedHosts as string[], 'http.allowedHosts'));
  const originVerdict = memoized((origin: string) => {
    const result = validateOriginHeader(origin || undefined, allowedOrigins!);
    const allowed = allowedOrigins!.length > 0 ? allowedOrigins!.join(', ') : 'none: a browser origin must be listed';
    return result.ok ? undefined : forbidden(`${result.message}; allowed origins: ${allowed} (http.allowedOrigins)`);
  });
  const answered = labelChildren((labels: RequestLabels & { outcome: Outcome }) => metrics.requests.labels(labels));
  const timed = labelChildren((labels: RequestLabels) => metrics.duration.labels(labels));
  // Every tool's series exist from the first scrape, at zero: an error ratio is defined before the first error.
  for (const tool of tools.keys()) {
    for (const outcome of OUTCOMES) metrics.requests.inc({ method: 'tools/call', tool, outcome }, 0);
    metrics.duration.zero({ method: 'tools/call', tool });
  }

  const resourceServer = options.authenticate
    ? protectedResource(options.resourceServer ?? {}, [...tools.values(), ...(others?.all ?? [])], reach)
    : undefined;

  /** The 401 or 403 of a call the caller may not make, before its handler: no token, or one without its scopes. */
  const accessRefusal = (body: unknown, labels: RequestLabels, caller: AuthInfo | undefined, host: string): Refusal | undefined => {
    if (!resourceServer) return undefined;
    for (const [kind, name, access] of guardedIn(body, labels)) {
      if (!access || access.public) continue;
      if (!caller)
        return {
          status: 401,
          code: JSON_RPC.serverError,
          message: `Unauthorized: ${kind} ${name} needs an Authorization: Bearer <token> header`,
          headers: { 'www-authenticate': resourceServer.challenge(host, access.scopes) },
        };
      const problem = scopeProblem(kind, name, access, caller.scopes);
      if (problem)
        return {
          status: 403,
          code: JSON_RPC.serverError,
          message: `Forbidden: ${problem}`,
          headers: {
            'www-authenticate': resourceServer.challenge(host, access.scopes, { error: 'insufficient_scope', description: problem }),
          },
        };
    }
    return undefined;
  };

  /** What a request calls, reads or gets, with the access each declares. */
  const guardedIn = (body: unknown, labels: RequestLabels): [kind: string, name: string, access: Access | undefined][] => {
    if (labels.method === 'tools/call') return [['tool', labels.tool, tools.get(labels.tool)]];
    if (labels.method === 'batch') return calledTools(body).map((name) => ['tool', name, tools.get(name)]);
    // Only a request labelled so is an object with a method; any other body may be any JSON (null, a number).
    if (!others || (labels.method !== 'resources/read' && labels.method !== 'prompts/get')) return [];
    const params = (body as { params?: { uri?: unknown; name?: unknown } }).params;
    if (labels.method === 'resources/read' && typeof params?.uri === 'string')
      return [['resource', params.uri, others.resource(params.uri)]];
    if (labels.method === 'prompts/get' && typeof params?.name === 'string') return [['prompt', params.name, others.prompt(params.name)]];
    return [];
  };

  /** What a traced exchange's span is made of, noted as admit reads the request (performance.now() times). */
  interface Seen {
    body: unknown;
    tokenFrom: number;
    tokenTo: number;
    tokenRefused: boolean;
  }

  /**
   * The request checked in order — host and origin, token, then (POST) the body's size and JSON — before anything
   * dispatches it: what it lets through, or the refusal to answer. Marks whether the exchange holds a drain.
   */
  async function check(incoming: Incoming, scope: ExchangeScope, seen?: Seen): Promise<Admitted | Refusal> {
    const forbidden = rules.checkHostAndOrigin(incoming.header('host'), incoming.header('origin'), incoming.invokedOn);
    if (forbidden) return forbidden;
    const host = incoming.header('host') ?? '';
    const authorization = incoming.header('authorization');
    if (seen && authorization != null) seen.tokenFrom = performance.now();
    const verified = await rules.verifyBearer(authorization, host);
    if (seen?.tokenFrom) seen.tokenTo = performance.now();
    if (verified && 'status' in verified) {
      if (seen) seen.tokenRefused = true;
      return verified;
    }
    let body: unknown;
    if (incoming.method === 'POST') {
      const text = await incoming.body(maxBody);
      const parsed = text === undefined ? tooLarge : rules.parse(text, scope);
      if ('status' in parsed) return parsed;
      body = parsed.body;
      if (seen) seen.body = body;
      const refused = accessRefusal(body, scope.labels, verified, host);
      if (refused) return refused;
    }
    scope.holdsDrain = holdsDrain(incoming.method, scope.labels);
    return { body, authInfo: verified };
  }

  /** check(), then the exchange's server span, and its token check as a child: with tracing on. */
  async function checkTraced(tracer: Tracer, incoming: Incoming, scope: ExchangeScope): Promise<Admitted | Refusal> {
    const seen: Seen = { body: undefined, tokenFrom: 0, tokenTo: 0, tokenRefused: false };
    const result = await check(incoming, scope, seen);
    const header = (name: Parameters<SpanRequest['header']>[0]) => incoming.header(name);
    scope.span = startServerSpan(tracer, {
      httpMethod: incoming.method,
      labels: scope.labels,
      body: seen.body,
      header,
      startedAt: scope.startedAt,
    });
    if (seen.tokenFrom)
      recordChild(tracer, scope.span, 'verify token', seen.tokenFrom, seen.tokenTo, seen.tokenRefused ? 'invalid_token' : undefined);
    return result;
  }

  const rules = {
    /** The largest body admitted: http.maxBodyBytes, or the host's own lower limit. */
    maxBody,

    /**
     * The answer to a request for protected-resource metadata (RFC 9728) at `path`: the refusal of a host that is
     * not allowed, the document (for any origin to read: METADATA_HEADERS), or undefined where the service has none
     * (no `authenticate`, or another path). `invokedOn` as for checkHostAndOrigin.
     */
    protectedResourceMetadata(
      path: string,
      host: string | null | undefined,
      invokedOn?: string,
    ): Refusal | { document: object } | undefined {
      const forbidden = rules.checkHostAndOrigin(host, undefined, invokedOn);
      if (forbidden) return forbidden;
      const document = resourceServer?.metadata(path, host ?? '');
      return document && { document };
    },

    /** A new exchange: its request id is the client's X-Request-Id when well formed, else `fallbackId` or a new one. */
    begin(httpMethod: string, clientRequestId: string | string[] | null | undefined, fallbackId?: string, key = ''): ExchangeScope {
      const value = Array.isArray(clientRequestId) ? clientRequestId[0] : clientRequestId;
      return {
        key,
        requestId: value && /^[\w.:-]{1,128}$/.test(value) ? value : (fallbackId ?? randomUUID()),
        outcome: 'ok',
        labels: { method: httpMethod === 'POST' ? 'invalid' : httpMethod.toLowerCase(), tool: '' },
        holdsDrain: false,
        startedAt: performance.now(),
      };
    },

    /**
     * Refuses a request from a host or origin that is not allowed (DNS rebinding), before its body is read.
     * `invokedOn` is the domain a function's event was sent to.
     */
    checkHostAndOrigin(host: string | null | undefined, origin: string | null | undefined, invokedOn?: string): Refusal | undefined {
      const hostProblem =
        allowedHosts === 'invoked'
          ? hostRefusal(
              host ?? '',
              invokedOn ? [hostnameOf(invokedOn)] : [],
              'the domain the function was invoked on; http.allowedHosts names others',
            )
          : allowedHosts && hostVerdict(host ?? '');
      return hostProblem || (allowedOrigins && originVerdict(origin ?? '')) || undefined;
    },

    /**
     * The caller a bearer token proves, undefined without one (a token that is present must be valid, even for a
     * tool that needs none), or the refusal: 401 for a bad token, 503 when the keys to check it cannot be had.
     */
    async verifyBearer(authorization: string | null | undefined, host = ''): Promise<AuthInfo | Refusal | undefined> {
      if (!options.authenticate || authorization == null) return undefined;
      const match = /^Bearer +([\w.~+/-]+=*) *$/i.exec(authorization);
      let problem = 'the Authorization header must be "Bearer <token>"';
      if (match) {
        try {
          return await options.authenticate(match[1]!, resourceServer!.resourceOn(host)?.resource);
        } catch (error) {
          if (error instanceof KeysUnavailableError) {
            // What failed (the provider's address, the library's words) is for the log, not for any caller.
            logger.error({ err: error.message }, 'cannot check tokens');
            return {
              status: 503,
              code: JSON_RPC.serverError,
              message: `Service unavailable: the identity provider's keys could not be fetched to check the token; retry in ${error.retryAfterSec} s`,
              headers: { 'retry-after': String(error.retryAfterSec) },
            };
          }
          problem = (error as Error).message;
        }
      }
      return {
        status: 401,
        code: JSON_RPC.serverError,
        message: `Unauthorized: ${problem}`,
        headers: { 'www-authenticate': resourceServer!.challenge(host, [], { error: 'invalid_token', description: problem }) },
      };
    },

    /** The request checked (check), and with tracing on the exchange's server span made of what was read. */
    admit: tracer ? (incoming: Incoming, scope: ExchangeScope) => checkTraced(tracer, incoming, scope) : check,

    /** The parsed body, with the scope labelled from it; or the refusal of a body that is not JSON. */
    parse(text: string, scope: ExchangeScope): { body: unknown } | Refusal {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        return { status: 400, code: JSON_RPC.parseError, message: `Parse error: the body is not valid JSON (${(error as Error).message})` };
      }
      // The SDK's schemas recurse into every value: thousands of levels overflow the stack (an answer of 500).
      // Each level takes two characters, so a shorter body is not walked.
      if (text.length > 2 * MAX_JSON_DEPTH && nestsDeeper(body, MAX_JSON_DEPTH))
        return {
          status: 400,
          code: JSON_RPC.invalidRequest,
          message: `Invalid request: the body nests deeper than ${MAX_JSON_DEPTH} levels`,
        };
      scope.labels = labelRequest(body, tools);
      return { body };
    },

    /**
     * Sets the outcome of an answer from the SDK's entry, from the answer and what the pipeline reported. An answer
     * sent as an event stream (the SDK's stateless 2025 leg answers every POST so) is judged by its last message as
     * it passes; a stream that ends without one stays `stream`.
     */
    async judge(scope: ExchangeScope, request: Request, response: Response): Promise<Response> {
      if (response.status >= 400) return response;
      const type = response.headers.get('content-type') ?? '';
      if (type.startsWith('text/event-stream') && response.body && scope.holdsDrain) {
        scope.outcome = 'stream';
        const judged = response.body.pipeThrough(lastAnswerOf((answer) => (scope.outcome = outcomeOf(answer, reportedOutcome(request)))));
        return new Response(judged, { status: response.status, headers: response.headers });
      }
      if (!type.startsWith('application/json')) {
        scope.outcome = response.body ? 'stream' : 'ok';
        return response;
      }
      const text = await response.text();
      scope.outcome = outcomeOf(text, reportedOutcome(request));
      return new Response(text, { status: response.status, headers: response.headers });
    },

    /** Counts and logs an exchange that has ended, whatever answered it; returns its outcome. */
    end(scope: ExchangeScope, ended: Ended): Outcome {
      const { method, tool } = scope.labels;
      const outcome = ended.status >= 400 ? outcomeOfStatus(ended.status) : scope.outcome;
      // Labels written out, not spread: on Node 20 `{ ...fresh, newKey }` copies the object for each added key.
      answered({ method, tool, outcome }).inc();
      timed(scope.labels).observe(ended.seconds);
      if (scope.span) endServerSpan(scope.span, outcome, ended.status);
      // A call the pipeline answered has its own "call" line; this one then is only for debugging.
      const level = ended.status < 400 && PIPELINE_METHODS.has(method) ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        const durationMs = Math.round(ended.seconds * 10_000) / 10;
        logger[level](
          {
            requestId: scope.requestId,
            httpMethod: ended.httpMethod,
            status: ended.status,
            method,
            tool,
            outcome,
            durationMs,
            ...ended.fields,
            ...(scope.span && { trace_id: scope.span.spanContext().traceId, span_id: scope.span.spanContext().spanId }),
          },
          'mcp request',
        );
      }
      return outcome;
    },
  };
  return rules;
}

/** How deep a request body may nest objects and arrays: far more than any MCP message needs. */
export const MAX_JSON_DEPTH = 256;

/** Whether a parsed JSON value nests objects and arrays more than `levels` deep (never deeper than that itself). */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (nestsDeeper(value[i], levels - 1)) return true;
    return false;
  }
  for (const key in value) if (nestsDeeper((value as Record<string, unknown>)[key], levels - 1)) return true;
  return false;
}

/**
 * The service as an OAuth protected resource: its metadata document and its challenges, for the Host a request
 * came on (the resource URL's default).
 */
function protectedResource(settings: ResourceServerOptions, declared: readonly (Access | undefined)[], reach: Reach) {
  const scopesSupported = [...new Set(declared.flatMap((access) => access?.scopes ?? []))].sort();
  const scheme = reach === 'loopback' ? 'http' : 'https';
  // undefined for a Host no URL can be made of (only where http.allowedHosts is "*").
  const resourceOn = memoized((host: string): { resource: string; metadataUrl: string; metadataPath: string } | undefined => {
    try {
      const resource = settings.resource ?? `${scheme}://${host || 'localhost'}/mcp`;
      const metadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(resource));
      return { resource, metadataUrl, metadataPath: new URL(metadataUrl).pathname };
    } catch {
      return undefined;
    }
  });
  // A quoted-string of a header: no quote or backslash, and nothing outside printable ASCII (a URI from a request).
  const quoted = (text: string) => text.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
  return {
    /** The resource URL and where its metadata is, for a request on `host`; undefined when no URL can be made of it. */
    resourceOn,

    /** The document at `path`: the resource URL's own well-known path, or the root one. */
    metadata(path: string, host: string): object | undefined {
      const on = resourceOn(host);
      if (!on || (path !== on.metadataPath && path !== RESOURCE_METADATA_PATH)) return undefined;
      return {
        resource: on.resource,
        ...(settings.authorizationServers?.length ? { authorization_servers: settings.authorizationServers } : {}),
        scopes_supported: scopesSupported,
        bearer_methods_supported: ['header'],
      };
    },

    /** A WWW-Authenticate value: where the metadata is, the scopes wanted (`scopes`, else every one), and the error. */
    challenge(
      host: string,
      scopes: readonly string[],
      error?: { error: 'invalid_token' | 'insufficient_scope'; description: string },
    ): string {
      const params = ['realm="mcp"'];
      if (error) params.push(`error="${error.error}"`, `error_description="${quoted(error.description)}"`);
      const on = resourceOn(host);
      if (on) params.push(`resource_metadata="${on.metadataUrl}"`);
      const scope = (scopes.length > 0 ? scopes : scopesSupported).join(' ');
      if (scope) params.push(`scope="${scope}"`);
      return `Bearer ${params.join(', ')}`;
    },
  };
}

/** The names of the tools a batch calls (each a string; whether the service has it is the caller's to check). */
function calledTools(body: unknown): string[] {
  if (!Array.isArray(body)) return [];
  return body.flatMap((message: { method?: unknown; params?: { name?: unknown } } | null) =>
    message?.method === 'tools/call' && typeof message.params?.name === 'string' ? [message.params.name] : [],
  );
}

/** Why the Host check cannot be set up for a service reached so (empty when it can). */
export function hostCheckProblems(config: RuntimeConfig, reach: Reach): string[] {
  if (reach !== 'network' || config.http.allowedHosts.length > 0) return [];
  return [
    `http.allowedHosts is empty, but host ${config.host} is not loopback: name the hosts clients reach the service by (HTTP__ALLOWED_HOSTS=mcp.example.com; the manifests set it from the Ingress host), or "*" to accept any Host behind a proxy that checks it`,
  ];
}

const hostnameOf = (domain: string): string => new URL(`https://${domain}`).hostname;

/**
 * `verdict`, remembered for the last MAX_REMEMBERED distinct values: the values come from clients, so a flood of
 * new ones only starts the memory over.
 */
function memoized<T>(verdict: (value: string) => T): (value: string) => T {
  const remembered = new Map<string, T>();
  return (value) => {
    if (remembered.has(value)) return remembered.get(value)!;
    const result = verdict(value);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(value, result);
    return result;
  };
}

const MAX_REMEMBERED = 256;

/** Whether an exchange is a single request's answer, which a drain waits for: not a long-lived stream (GET, subscriptions/listen). */
const holdsDrain = (httpMethod: string, labels: RequestLabels): boolean => httpMethod !== 'GET' && labels.method !== 'subscriptions/listen';

/** A JSON-RPC error body, as every refusal is sent. */
export const refusalBody = (refusal: Refusal): string =>
  JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: refusal.code, message: refusal.message } });

/**
 * Passes an event stream through unchanged and, when it ends, hands `judge` the data of its last message: the
 * answer, which ends the stream of a single request. Keeps only that message and the unfinished one.
 */
function lastAnswerOf(judge: (answer: string) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  let pending = '';
  let last: string | undefined;
  const take = (events: string[]) => {
    for (const event of events) {
      const data = event.split('\n').find((line) => line.startsWith('data: '));
      if (data) last = data.slice(6);
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      const events = (pending + decoder.decode(chunk, { stream: true })).split('\n\n');
      pending = events.pop()!;
      take(events);
    },
    flush() {
      take([pending + decoder.decode()]);
      if (last !== undefined) judge(last);
    },
  });
}
