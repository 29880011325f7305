import type { Client } from '@modelcontextprotocol/client';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { LatencyHistogram, type LatencySummary } from './latency-histogram';
import { connectHttpClient, createTestClient } from './test-client';

/** A running service by URL (Streamable HTTP, optionally with a bearer token), or a server factory in-process. */
export type LoadTarget = { url: string; token?: string } | { factory: McpServerFactory };

/** A tool to call with fixed arguments, or any function of a connected client. */
export type LoadCall = { tool: string; arguments?: Record<string, unknown> } | ((client: Client) => Promise<unknown>);

export interface LoadTestOptions {
  target: LoadTarget;
  call: LoadCall;
  /** Calls to measure; with duration, whichever ends first. */
  total?: number;
  /** Milliseconds to measure for. */
  duration?: number;
  /** Calls in flight at once; also the number of clients in the pool. */
  concurrency: number;
  /** Calls made (and not measured) first, so connections and JITs are warm. Default 10% of total, at most 50. */
  warmup?: number;
  /** Per-call timeout. */
  timeoutMs?: number;
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  done: number;
  total?: number;
  errors: number;
  elapsedMs: number;
  durationMs?: number;
}

export interface LoadTestResult {
  count: number;
  ok: number;
  /** Failed calls by kind: tool_error (isError result), jsonrpc_<code>, http_<status>, timeout, network, other. */
  errors: Record<string, number>;
  errorCount: number;
  concurrency: number;
  durationMs: number;
  /** Calls per second over the measured window. */
  throughput: number;
  /** Milliseconds. */
  latency: LatencySummary;
}

// However it is configured, a run stops by itself: no load loop may outlive this.
const HARD_LIMIT_MS = 30 * 60_000;

/**
 * Drives a service with a pool of real SDK v2 clients (2026-07-28) and measures every call: count, errors by
 * kind, throughput and latency percentiles from an HDR-style histogram.
 */
export async function loadTest(options: LoadTestOptions): Promise<LoadTestResult> {
  if (options.total === undefined && options.duration === undefined) throw new Error('loadTest: give total, duration, or both');
  if (!(options.concurrency >= 1)) throw new Error(`loadTest: concurrency must be at least 1, got ${options.concurrency}`);
  const pool = await Promise.all(Array.from({ length: options.concurrency }, () => connect(options.target)));
  const invoke = toInvoker(options.call, options.timeoutMs ?? 30_000);
  try {
    const warmup = options.warmup ?? Math.min(50, Math.ceil((options.total ?? 100) / 10));
    if (warmup > 0) await run(pool, invoke, { total: warmup, durationMs: HARD_LIMIT_MS });
    return await run(
      pool,
      invoke,
      { total: options.total, durationMs: Math.min(options.duration ?? HARD_LIMIT_MS, HARD_LIMIT_MS) },
      options.onProgress,
    );
  } finally {
    await Promise.all(pool.map((member) => member.close()));
  }
}

interface PoolMember {
  client: Client;
  close(): Promise<void>;
}

async function connect(target: LoadTarget): Promise<PoolMember> {
  if ('factory' in target) return createTestClient(target.factory);
  const client = await connectHttpClient(target.url, { token: target.token, name: 'mcp-fleet-load' });
  return { client, close: () => client.close() };
}

type Invoker = (client: Client) => Promise<unknown>;

function toInvoker(call: LoadCall, timeoutMs: number): Invoker {
  if (typeof call === 'function') return call;
  return async (client) => {
    const result = await client.callTool({ name: call.tool, arguments: call.arguments ?? {} }, { timeout: timeoutMs });
    if (result.isError) throw Object.assign(new Error(JSON.stringify(result.content)), { kind: 'tool_error' });
    return result;
  };
}

async function run(
  pool: PoolMember[],
  invoke: Invoker,
  limits: { total?: number; durationMs: number },
  onProgress?: (progress: LoadProgress) => void,
): Promise<LoadTestResult> {
  const histogram = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let started = 0;
  let done = 0;
  let errorCount = 0;
  const begin = performance.now();
  const deadline = begin + limits.durationMs;
  const progress = () =>
    onProgress?.({
      done,
      total: limits.total,
      errors: errorCount,
      elapsedMs: performance.now() - begin,
      durationMs: limits.total === undefined ? limits.durationMs : undefined,
    });
  const ticker = onProgress ? setInterval(progress, 200) : undefined;

  await Promise.all(
    pool.map(async ({ client }) => {
      while ((limits.total === undefined || started < limits.total) && performance.now() < deadline) {
        started++;
        const t0 = performance.now();
        try {
          await invoke(client);
        } catch (error) {
          const kind = errorKind(error);
          errors[kind] = (errors[kind] ?? 0) + 1;
          errorCount++;
        }
        histogram.record(performance.now() - t0);
        done++;
      }
    }),
  );
  clearInterval(ticker);
  progress();
  const durationMs = performance.now() - begin;
  return {
    count: done,
    ok: done - errorCount,
    errors,
    errorCount,
    concurrency: pool.length,
    durationMs,
    throughput: done / (durationMs / 1000),
    latency: histogram.summary(),
  };
}

export function errorKind(error: unknown): string {
  const e = error as { kind?: unknown; code?: unknown; status?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (typeof e.kind === 'string') return e.kind;
  if (e.name === 'TimeoutError' || e.code === -32001) return 'timeout';
  if (typeof e.status === 'number') return `http_${e.status}`;
  if (typeof e.code === 'number') return `jsonrpc_${e.code}`;
  if (typeof e.cause?.code === 'string' || e.name === 'TypeError') return 'network';
  return 'other';
}

/** The seed's three load profiles: 100 calls at 5 at once, 500 at 20, 1000 at 50. */
export const SEED_PROFILES = [
  { name: 'light', total: 100, concurrency: 5 },
  { name: 'medium', total: 500, concurrency: 20 },
  { name: 'heavy', total: 1000, concurrency: 50 },
] as const;
