import { once } from 'node:events';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InMemoryTransport,
  UriTemplate,
  type JSONRPCErrorResponse,
  type JSONRPCResultResponse,
  type McpServerFactory,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { declaredAccess, type Access } from '@mcp-fleet/middleware';
import { ConfigError, type RuntimeConfig } from './config';
import { LEGACY_VERSIONS } from './lane/routing';
import type { Authenticate, OtherAccess, ResourceServerOptions } from './exchange';
import { createHttpApp } from './http-app';
import { createLogger, type Logger } from './logger';
import { createMetrics, type RuntimeMetrics } from './metrics';
import { Readiness, type ReadinessCheck } from './readiness';
import { startTracing, tracesEndpoint, type Tracing } from './tracing';

export interface ServeOptions {
  /** The service's name, on every log line and metric. */
  name: string;
  config: RuntimeConfig;
  /** Dependency checks behind /readyz, by name (for example `database: () => pool.query('select 1')`). */
  checks?: Record<string, ReadinessCheck>;
  /** Runs after in-flight requests have finished, before the process exits: close pools, flush buffers. */
  onShutdown?: () => unknown;
  /** Verifies bearer tokens over HTTP (e.g. createTokenVerifier from @mcp-fleet/middleware); an invalid one gets 401. */
  authenticate?: Authenticate;
  /** With `authenticate`: the resource URL and authorization servers its protected-resource metadata names. */
  resourceServer?: ResourceServerOptions;
  /**
   * Where subscriptions/listen streams hear the service's changes from, and notifierOf(bus) publishes them: across
   * replicas, postgresEventBus from @mcp-fleet/storage; in this process only by default.
   */
  bus?: ServerEventBus;
  /** Traces (startTracing): started here from the OTEL_* variables when not given; off without an endpoint. */
  tracing?: Tracing;
  /** The service's metrics, when its middleware chain registers on the same registry; created here otherwise. */
  metrics?: RuntimeMetrics;
  /** Drain and exit on SIGTERM and SIGINT. Default true; tests that host a service in-process turn it off. */
  handleSignals?: boolean;
  logger?: Logger;
}

/** Everything a host needs to serve an app: its factory and how to serve it. An app's `defineService()` returns it for either host. */
export interface ServiceDefinition extends ServeOptions {
  factory: McpServerFactory;
}

export interface RunningService {
  /** The MCP endpoint, for the HTTP transport. */
  url?: string;
  logger: Logger;
  metrics?: RuntimeMetrics;
  readiness: Readiness;
  /** Drains and stops. Resolves with the exit code: 0, or 1 when requests were cut at the end of the grace period. */
  shutdown(reason?: string): Promise<number>;
}

export interface Telemetry {
  logger: Logger;
  metrics: RuntimeMetrics;
}

/**
 * A service's logger and metrics registry, made before serve() so that its middleware chain can write to the
 * same ones. Under stdio the logs go to stderr, because stdout carries the protocol. With tracing on (an OTLP
 * endpoint set), a line written inside a span carries its trace_id and span_id.
 */
export function createTelemetry(name: string, config: RuntimeConfig): Telemetry {
  return {
    logger: createLogger({
      service: name,
      level: config.logLevel,
      destination: config.transport === 'stdio' ? 2 : 1,
      traced: tracesEndpoint() !== undefined,
    }),
    metrics: createMetrics(name),
  };
}

/** Hosts an MCP service: the transport its config names, probes, metrics, logs and graceful shutdown. */
export async function serve(factory: McpServerFactory, options: ServeOptions): Promise<RunningService> {
  const { config, name } = options;
  const logger = options.logger ?? createTelemetry(name, config).logger;
  // Building one instance up front fails fast on a broken factory and tells metrics which tool names exist.
  const { tools, others } = await listDeclared(factory);
  const readiness = new Readiness(options.checks);
  if (isPrepareRun()) {
    // The factory builds: what the app prepares itself (a database template) is done by now, and nothing listens.
    logger.info({ tools: tools.size }, 'prepared (--prepare): not serving');
    return { logger, readiness, shutdown: async () => 0 };
  }
  let service: RunningService;
  let announce: () => void;

  if (config.transport === 'stdio') {
    const handle = serveStdio(factory, { onerror: (error) => logger.warn({ err: error.message }, 'stdio message rejected') });
    readiness.state = 'ready';
    announce = () => logger.info({ transport: 'stdio', tools: tools.size }, 'serving');
    service = {
      logger,
      readiness,
      async shutdown(reason = 'shutdown') {
        readiness.state = 'draining';
        logger.info({ reason }, 'stopping');
        await handle.close();
        await options.onShutdown?.();
        return 0;
      },
    };
  } else {
    const metrics = options.metrics ?? createMetrics(name);
    // Shut down here only if started here: a given one may serve others in this process.
    const ownTracing = options.tracing ? undefined : await startTracing(name);
    const tracing = options.tracing ?? ownTracing;
    const app = createHttpApp({
      tracer: tracing?.tracer,
      factory,
      config,
      logger,
      metrics,
      readiness,
      tools,
      others,
      authenticate: options.authenticate,
      resourceServer: options.resourceServer,
      bus: options.bus,
    });
    await listen(app.server, config);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}/mcp`;
    readiness.state = 'ready';
    announce = () => logger.info({ transport: 'http', url, legacySessions: config.http.legacySessions, tools: tools.size }, 'listening');
    let stopping: Promise<number> | undefined;
    service = {
      url,
      logger,
      metrics,
      readiness,
      shutdown(reason = 'shutdown') {
        stopping ??= (async () => {
          readiness.state = 'draining';
          logger.info({ reason, graceMs: config.shutdown.graceMs, drainDelayMs: config.shutdown.drainDelayMs }, 'draining');
          await sleep(config.shutdown.drainDelayMs);
          const { cut } = await app.drain(config.shutdown.graceMs);
          if (cut > 0) logger.error({ cut }, 'grace period over: cut requests still in flight');
          await options.onShutdown?.();
          await (ownTracing ? ownTracing.shutdown() : tracing?.flush());
          logger.info({ exitCode: cut > 0 ? 1 : 0 }, 'stopped');
          return cut > 0 ? 1 : 0;
        })();
        return stopping;
      },
    };
  }

  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void service.shutdown(signal).then((code) => process.exit(code));
      });
    }
  }
  // Last, so that whoever waits for this line (a launcher, a test) can signal the process at once; flushed now,
  // because that someone is waiting.
  announce();
  logger.flush();
  return service;
}

async function listen(server: Server, config: RuntimeConfig): Promise<void> {
  server.listen(config.port, config.host);
  try {
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(
        `port ${config.port} on ${config.host} is already in use; stop the other process or set PORT (0 picks a free port)`,
      );
    }
    if (code === 'EADDRNOTAVAIL')
      throw new StartupError(`HOST ${config.host} is not an address of this machine; set HOST (default 127.0.0.1)`);
    throw error;
  }
}

/** The newest 2025-era revision: the one a tool listing is asked in (any instance answers it, whatever it builds for). */
const LISTING_VERSION = [...LEGACY_VERSIONS].sort().at(-1)!;

/** The most pages of one listing read at start-up: a server whose cursor never ends cannot hold the start forever. */
const MAX_LISTING_PAGES = 1000;

/**
 * What an instance of `factory` declares with `access(...)` in its `_meta`: each tool's access (undefined for one
 * that declares none), and the access a resources/read or prompts/get meets (OtherAccess), asked of it in plain
 * JSON-RPC over an in-memory pair.
 * Not through an SDK Client: it parses the listing with the 2025 era's zod schemas, the ones the server checks every
 * 2025-era call with, and each tool's different input schema left that shared parse code megamorphic for the life
 * of the process: a 2025-era call to an app with 100 tools then cost 10-15% more CPU than to one with one tool.
 */
export async function listDeclared(factory: McpServerFactory): Promise<{ tools: Map<string, Access | undefined>; others: OtherAccess }> {
  const [ours, theirs] = InMemoryTransport.createLinkedPair();
  const answers = new Map<number, (message: JSONRPCResultResponse | JSONRPCErrorResponse) => void>();
  ours.onmessage = (message) => {
    if ('id' in message && !('method' in message)) answers.get(message.id as number)?.(message);
  };
  let lastId = 0;
  const ask = async (method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const id = ++lastId;
    const answer = new Promise<JSONRPCResultResponse | JSONRPCErrorResponse>((resolve) => answers.set(id, resolve));
    await ours.send({ jsonrpc: '2.0', id, method, ...(params && { params }) });
    const message = await answer;
    if ('error' in message) throw new Error(`listing the tools: ${method} answered ${message.error.code} ${message.error.message}`);
    return message.result;
  };
  /** Every item of a paginated listing. */
  const listed = async <T>(method: string, key: string): Promise<T[]> => {
    const items: T[] = [];
    let cursor: unknown;
    for (let page = 0; page < MAX_LISTING_PAGES; page++) {
      const result = await ask(method, cursor === undefined ? undefined : { cursor });
      items.push(...((result[key] as T[] | undefined) ?? []));
      cursor = result.nextCursor;
      if (cursor === undefined) return items;
    }
    throw new Error(`listing the tools: ${method} gave more than ${MAX_LISTING_PAGES} pages`);
  };
  type Declaring = { _meta?: Record<string, unknown> };
  const server = await factory({ era: 'legacy' });
  await server.connect(theirs);
  try {
    const initialized = await ask('initialize', {
      protocolVersion: LISTING_VERSION,
      capabilities: {},
      clientInfo: { name: 'mcp-fleet-runtime', version: '0' },
    });
    const capabilities = (initialized.capabilities ?? {}) as { tools?: object; resources?: object; prompts?: object };
    await ours.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const tools = new Map<string, Access | undefined>();
    if (capabilities.tools)
      for (const tool of await listed<Declaring & { name: string }>('tools/list', 'tools'))
        tools.set(tool.name, declaredAccess(tool._meta));
    const resources = new Map<string, Access>();
    const templates: [UriTemplate, Access][] = [];
    const prompts = new Map<string, Access>();
    if (capabilities.resources) {
      // resources/list runs the app's list callbacks, which may need a caller or a database: without it, the
      // static resources are refused in-band by the middleware alone, not challenged over HTTP.
      const statics = await listed<Declaring & { uri: string }>('resources/list', 'resources').catch(() => []);
      for (const { uri, _meta } of statics) setDeclared(resources, uri, _meta);
      for (const { uriTemplate, _meta } of await listed<Declaring & { uriTemplate: string }>(
        'resources/templates/list',
        'resourceTemplates',
      )) {
        const access = declaredAccess(_meta);
        if (access) templates.push([new UriTemplate(uriTemplate), access]);
      }
    }
    if (capabilities.prompts)
      for (const { name, _meta } of await listed<Declaring & { name: string }>('prompts/list', 'prompts'))
        setDeclared(prompts, name, _meta);
    const others: OtherAccess = {
      resource: (uri) => resources.get(uri) ?? templates.find(([template]) => template.match(uri))?.[1],
      prompt: (name) => prompts.get(name),
      all: [...resources.values(), ...templates.map(([, access]) => access), ...prompts.values()],
    };
    return { tools, others };
  } finally {
    await ours.close();
    await server.close();
  }
}

function setDeclared(map: Map<string, Access>, key: string, meta: Record<string, unknown> | undefined): void {
  const access = declaredAccess(meta);
  if (access) map.set(key, access);
}

/**
 * `main.js --prepare`: the image build runs it for every app (deploy/Dockerfile) to make, once, what a start would
 * otherwise make each time, then exit; `serve()` does not listen in such a run.
 */
export const isPrepareRun = (): boolean => process.argv.includes('--prepare');

/**
 * Runs an app's start-up. A bad config or a failed start prints what is wrong, once and readably, and exits 1
 * instead of dying on an unhandled rejection with a stack trace. A --prepare run exits 0 once start-up is done.
 */
export async function startService(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
    if (isPrepareRun()) process.exit(0);
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof StartupError ? error.message : (error as Error).stack;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}

/** A start-up failure whose message already says what to do; printed without a stack trace. */
export class StartupError extends Error {
  override name = 'StartupError';
}
