import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { errorKind, loadTest, SEED_PROFILES } from './load-test';

let calls = 0;
const factory = () => {
  const server = new McpServer({ name: 'load-fixture', version: '1' });
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => {
    calls++;
    return { content: [{ type: 'text', text: message }] };
  });
  server.registerTool('flaky', { inputSchema: z.object({}) }, async () => {
    calls++;
    return calls % 4 === 0 ? { content: [{ type: 'text', text: 'no' }], isError: true } : { content: [] };
  });
  return server;
};

describe('loadTest', () => {
  it('makes exactly the warm-up plus total calls through a pool and measures each', async () => {
    calls = 0;
    const progress: number[] = [];
    const result = await loadTest({
      target: { factory },
      call: { tool: 'echo', arguments: { message: 'load' } },
      total: 200,
      concurrency: 8,
      warmup: 20,
      onProgress: ({ done }) => progress.push(done),
    });
    expect(calls).toBe(220);
    expect(result).toMatchObject({ count: 200, ok: 200, errorCount: 0, errors: {}, concurrency: 8 });
    expect(result.throughput).toBeGreaterThan(0);
    expect(result.latency.min).toBeLessThanOrEqual(result.latency.median);
    expect(result.latency.median).toBeLessThanOrEqual(result.latency.p95);
    expect(result.latency.p95).toBeLessThanOrEqual(result.latency.p99);
    expect(result.latency.p99).toBeLessThanOrEqual(result.latency.max);
    expect(progress.at(-1)).toBe(200);
  });

  it('counts failed calls by kind', async () => {
    calls = 0;
    const result = await loadTest({ target: { factory }, call: { tool: 'flaky' }, total: 40, concurrency: 1, warmup: 0 });
    expect(result).toMatchObject({ count: 40, ok: 30, errorCount: 10, errors: { tool_error: 10 } });
    const unknownTool = await loadTest({ target: { factory }, call: { tool: 'missing' }, total: 3, concurrency: 1, warmup: 0 });
    expect(unknownTool.errors).toEqual({ 'jsonrpc_-32602': 3 });
  });

  it('stops at the duration when no total is given', async () => {
    const result = await loadTest({
      target: { factory },
      call: async () => new Promise((resolve) => setTimeout(resolve, 10)),
      duration: 150,
      concurrency: 2,
      warmup: 0,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(140);
    // It stopped by itself, near the duration rather than at the 30-minute hard limit (a ceiling, not a timing).
    expect(result.durationMs).toBeLessThan(30_000);
    expect(result.count).toBeGreaterThan(0);
  });

  it('refuses a run without a bound, or without callers', async () => {
    await expect(loadTest({ target: { factory }, call: { tool: 'echo' }, concurrency: 1 })).rejects.toThrow(
      'give total, duration, or both',
    );
    await expect(loadTest({ target: { factory }, call: { tool: 'echo' }, concurrency: 0, total: 1 })).rejects.toThrow(
      'concurrency must be at least 1, got 0',
    );
  });

  it('knows the seed profiles', () => {
    expect(SEED_PROFILES.map(({ total, concurrency }) => [total, concurrency])).toEqual([
      [100, 5],
      [500, 20],
      [1000, 50],
    ]);
  });
});

describe('errorKind', () => {
  it.each([
    [{ kind: 'tool_error' }, 'tool_error'],
    [{ name: 'TimeoutError' }, 'timeout'],
    [{ status: 503 }, 'http_503'],
    [{ code: -32603 }, 'jsonrpc_-32603'],
    [new TypeError('fetch failed'), 'network'],
    [{ cause: { code: 'ECONNREFUSED' } }, 'network'],
    [new Error('?'), 'other'],
  ])('classifies %j as %s', (error, kind) => {
    expect(errorKind(error)).toBe(kind);
  });
});
