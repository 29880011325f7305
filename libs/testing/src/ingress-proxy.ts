import { once } from 'node:events';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '@mcp-fleet/runtime';

export interface IngressProxy {
  /** The app's MCP endpoint through the proxy. */
  url: string;
  close(): Promise<void>;
}

/**
 * Stands in for the Ingress controller in front of one app, as ingress-nginx forwards: each request goes to the
 * app with the public host name as Host and the address it came from appended to X-Forwarded-For (whatever the
 * client put there stays before it). Clients reach it on loopback from any 127.0.0.0/8 address, so a test can
 * speak from several. Loopback targets only.
 */
export async function startIngressProxy(options: { target: string; host: string }): Promise<IngressProxy> {
  const target = new URL(options.target);
  if (!isLoopbackHost(target.hostname))
    throw new Error(`startIngressProxy: ${target.hostname} is not a loopback address; tests only reach this machine`);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const headers = { ...req.headers, host: options.host, 'x-forwarded-for': forwardedFor, 'x-forwarded-proto': 'https' };
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.once('error', (error) =>
      res.headersSent ? res.destroy() : res.writeHead(502, { 'content-type': 'text/plain' }).end(`upstream: ${error.message}`),
    );
    req.pipe(upstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    async close() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
