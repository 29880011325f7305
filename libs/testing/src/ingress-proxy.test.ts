import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startIngressProxy } from './ingress-proxy';

describe('startIngressProxy', () => {
  it("forwards to the app with the public host and the caller's address appended to X-Forwarded-For", async () => {
    const app = createServer((req, res) =>
      res.end(JSON.stringify({ host: req.headers.host, forwardedFor: req.headers['x-forwarded-for'], path: req.url })),
    );
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    onTestFinished(() => void app.close());
    const ingress = await startIngressProxy({ target: `http://127.0.0.1:${(app.address() as AddressInfo).port}`, host: 'app.example.com' });
    onTestFinished(() => ingress.close());
    const seen = await new Promise<string>((resolve, reject) => {
      const req = request(
        ingress.url,
        { method: 'POST', localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '203.0.113.9' } },
        (res) => {
          let body = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk: string) => (body += chunk))
            .once('end', () => resolve(body));
        },
      );
      req.once('error', reject).end();
    });
    expect(JSON.parse(seen)).toEqual({ host: 'app.example.com', forwardedFor: '203.0.113.9, 127.0.0.2', path: '/mcp' });
  });

  it('refuses a target that is not on loopback, before it listens', async () => {
    await expect(startIngressProxy({ target: 'http://10.0.0.5:8080', host: 'x' })).rejects.toThrow('10.0.0.5 is not a loopback address');
  });
});
