// Every map, set or cache the runtime keys by request data stays bounded, whatever a caller sends: each is fed
// 10,000 (the lane's unknown tools: 20,000) distinct keys by anonymous requests over real HTTP, and the heap after a
// full GC must not hold them.
import { Agent, request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { McpServer, type McpRequestContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { runtimeConfigSchema } from './config';
import { createServer, legacy, modern } from '../test/lane-cases';
import { createLogger } from './logger';
import { serve, type RunningService } from './serve';

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

/** The heap in use after full collections, in bytes. */
function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) collect();
  return process.memoryUsage().heapUsed;
}

const MB = 1024 * 1024;

async function start(
  config: Record<string, unknown> = {},
  extra: Partial<Parameters<typeof serve>[1]> & { factory?: Parameters<typeof serve>[0] } = {},
): Promise<RunningService> {
  const { factory = createServer, ...options } = extra;
  return serve(factory, {
    name: 'bounds',
    config: runtimeConfigSchema.parse({ port: 0, ...config }),
    handleSignals: false,
    logger: createLogger({ service: 'bounds', level: 'silent' }),
    ...options,
  });
}

/**
 * How much the heap grows, after GC, while `attack` sends `count` requests with keys of its own: measured after a
 * first round of a tenth as many (what the first requests of a kind make once is no key's). The service is
 * stopped whatever happens.
 */
async function heapGrowth(service: RunningService, count: number, attack: (url: string, keys: number[]) => Promise<void>): Promise<number> {
  const keys = (from: number, length: number) => Array.from({ length }, (_, i) => from + i);
  try {
    await attack(service.url!, keys(count, count / 10));
    const before = heapAfterGc();
    await attack(service.url!, keys(0, count));
    return heapAfterGc() - before;
  } finally {
    await service.shutdown('test over');
  }
}

/** Sends `count` requests, `concurrency` at a time on kept-alive connections, each made by `request(i)`; resolves with the statuses seen. */
async function send(
  url: string,
  count: number,
  request: (i: number) => { headers: Record<string, string>; body: string },
  concurrency = 16,
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const one = ({ headers, body }: { headers: Record<string, string>; body: string }) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', agent, headers }, (res) => res.resume().once('end', () => resolve(res.statusCode!)));
      req.once('error', reject).end(body);
    });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const status = await one(request(next++));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return statuses;
}

/** A name of `length` characters unique to `i`. */
const distinct = (i: number, length: number) => `${i}-`.padEnd(length, 'x');

describe('what the runtime remembers of requests is bounded', () => {
  it("keeps the heap within 2 MB of one name's after 20,000 anonymous calls of distinct unknown tools on the fast lane", async () => {
    const service = await start();
    try {
      const call = (name: string) => modern('tools/call', { name, arguments: {} });
      // The first modern exchange goes through the SDK's entry and gives the lane its instance.
      await send(service.url!, 200, () => call('warm-up'));
      const before = heapAfterGc();
      expect(await send(service.url!, 20_000, () => call('one-unknown-tool'.padEnd(1024, 'x')))).toEqual(new Map([[200, 20_000]]));
      const oneName = heapAfterGc() - before;
      expect(await send(service.url!, 20_000, (i) => call(distinct(i, 1024)))).toEqual(new Map([[200, 20_000]]));
      const distinctNames = heapAfterGc() - before - oneName;
      expect(
        distinctNames,
        `one name: +${(oneName / MB).toFixed(1)} MB, distinct names: +${(distinctNames / MB).toFixed(1)} MB`,
      ).toBeLessThan(2 * MB);
    } finally {
      await service.shutdown('test over');
    }
  });

  it.each([
    ['Host', (i: number) => ({ host: distinct(i, 4096) })],
    ['Origin', (i: number) => ({ origin: `https://${distinct(i, 4096)}.example` })],
  ])('remembers the verdicts of at most a few hundred distinct %s values (10,000 sent, 4 KB each)', async (_header, headers) => {
    const request = modern('tools/list');
    const growth = await heapGrowth(await start(), 10_000, async (url, keys) => {
      expect(await send(url, keys.length, (i) => ({ body: request.body, headers: { ...request.headers, ...headers(keys[i]!) } }))).toEqual(
        new Map([[403, keys.length]]),
      );
    });
    expect(growth, `+${(growth / MB).toFixed(1)} MB`).toBeLessThan(2 * MB);
  });

  it('remembers the classification of at most 1,024 distinct envelopes (10,000 sent)', async () => {
    const echo = { name: 'echo', arguments: { message: 'hi' } };
    const growth = await heapGrowth(await start(), 10_000, async (url, keys) => {
      const requests = (i: number) =>
        modern('tools/call', echo, { meta: { 'io.modelcontextprotocol/clientInfo': { name: distinct(keys[i]!, 512), version: '1' } } });
      expect(await send(url, keys.length, requests)).toEqual(new Map([[200, keys.length]]));
    });
    expect(growth, `+${(growth / MB).toFixed(1)} MB`).toBeLessThan(2 * MB);
  });

  it('keeps instances for at most 64 principals of a factory that builds per principal (10,000 tokens)', async () => {
    const perPrincipal = (ctx: McpRequestContext) => {
      const server = new McpServer({ name: `for ${ctx.authInfo?.clientId ?? 'anyone'}`, version: '1.0.0' });
      server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
        content: [{ type: 'text', text: message }],
      }));
      return server;
    };
    const service = await start(
      {},
      { factory: perPrincipal, authenticate: async (token) => ({ token, clientId: token.slice(0, 8), scopes: [] }) },
    );
    const growth = await heapGrowth(service, 10_000, async (url, keys) => {
      const requests = (i: number) =>
        modern(
          'tools/call',
          { name: 'echo', arguments: { message: 'hi' } },
          { headers: { authorization: `Bearer ${distinct(keys[i]!, 64)}` } },
        );
      expect(await send(url, keys.length, requests)).toEqual(new Map([[200, keys.length]]));
    });
    // Which of the kept instances are idle at either end varies by a few MB; 10,000 instances would be ~100 MB.
    expect(growth, `+${(growth / MB).toFixed(1)} MB`).toBeLessThan(16 * MB);
  });

  it('opens no more legacy sessions than http.maxSessions, however many initializes arrive at once (10,000)', async () => {
    const service = await start({ http: { legacySessions: true, maxSessions: 100 } });
    try {
      const initialize = legacy('initialize', {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'flood', version: '0' },
      });
      expect(await send(service.url!, 10_000, () => initialize, 32)).toEqual(
        new Map([
          [200, 100],
          [503, 9_900],
        ]),
      );
    } finally {
      await service.shutdown('test over');
    }
  });

  it('labels metrics with no value a caller chose (10,000 distinct methods and tools)', async () => {
    const service = await start();
    try {
      const series = async () =>
        (await (await fetch(`${service.url!.replace(/\/mcp$/, '')}/metrics`)).text()).split('\n').filter((line) => line.startsWith('mcp_'))
          .length;
      await send(service.url!, 10, () => modern('tools/call', { name: 'nope', arguments: {} }));
      await send(service.url!, 10, () => modern('no/such'));
      const before = await series();
      await send(service.url!, 5_000, (i) => modern('tools/call', { name: distinct(i, 32), arguments: {} }));
      await send(service.url!, 5_000, (i) => modern(distinct(i, 32)));
      expect(await series()).toBe(before);
    } finally {
      await service.shutdown('test over');
    }
  });
});
