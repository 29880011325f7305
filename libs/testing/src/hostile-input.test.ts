import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { heapAfterGc, hostileEvents, hostileRequests, sendHostile } from './hostile-input';

describe('hostileRequests', () => {
  it('makes every kind in turn, the same each time for the same count, varied by the seed', () => {
    const requests = hostileRequests(200);
    const kinds = new Set(requests.map((request) => request.kind));
    expect(kinds.size).toBe(27);
    expect(JSON.stringify(hostileRequests(200))).toBe(JSON.stringify(requests));
    expect(JSON.stringify(hostileRequests(200, 7))).not.toBe(JSON.stringify(requests));
    // Every request is one node:http can send: other methods carry no body, bodies are bytes.
    for (const request of requests) expect(request.method === 'POST' || request.body === undefined).toBe(true);
  });
});

describe('hostileEvents', () => {
  it('turns them into payload 2.0 and 1.0 events in turn, and every tenth into one no HTTP source sends', () => {
    const events = hostileEvents(hostileRequests(40), 'fn.lambda-url.us-east-1.on.aws') as Record<string, unknown>[];
    expect(events[0]).toMatchObject({ version: '2.0', requestContext: { domainName: 'fn.lambda-url.us-east-1.on.aws' } });
    expect(events[1]).toMatchObject({ resource: '/{proxy+}', requestContext: { domainName: 'fn.lambda-url.us-east-1.on.aws' } });
    // Of many shapes: null, a string, members missing or of the wrong type.
    const broken = (hostileEvents(hostileRequests(400)) as unknown[]).filter((_, i) => i % 10 === 9);
    expect(
      new Set(
        broken.map((event) =>
          JSON.stringify(event, (key, value: unknown) =>
            key === 'body' && typeof value === 'string' && value.length > 20 ? 'a body' : value,
          ).slice(0, 60),
        ),
      ).size,
    ).toBeGreaterThan(5);
  });
});

describe('sendHostile', () => {
  it('counts the answers by status, and names the kinds that got a server error', async () => {
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(req.method === 'DELETE' ? 500 : 400).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    onTestFinished(() => void server.close());
    const requests = hostileRequests(120);
    const run = await sendHostile(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
    const sent = [...run.statuses.values()].reduce((a, b) => a + b, 0);
    expect(sent).toBe(120);
    expect(run.serverErrors).toEqual(requests.some((request) => request.method === 'DELETE') ? { 500: ['another method on /mcp'] } : {});
  });
});

describe('heapAfterGc', () => {
  it('is the heap in use after a full collection: what is dropped is not counted', () => {
    const before = heapAfterGc();
    let garbage: number[][] | undefined = Array.from({ length: 2000 }, () => Array.from({ length: 500 }, (_, i) => i));
    expect(heapAfterGc() - before).toBeGreaterThan(4_000_000);
    garbage = undefined;
    expect(garbage).toBeUndefined();
    expect(heapAfterGc() - before).toBeLessThan(1_000_000);
  });
});
