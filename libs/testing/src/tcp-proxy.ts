import { connect, createServer, type Socket } from 'node:net';
import { isLoopbackHost } from '@mcp-fleet/runtime';

export interface TcpProxy {
  /** The loopback port to point the service at instead of the target. */
  port: number;
  /** An outage: closes every connection through the proxy and refuses new ones. */
  cut(): Promise<void>;
  /** The dependency is back: accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP proxy on loopback in front of a dependency (a database), which a test cuts and restores to see how a
 * service lives through the dependency going away mid-load. Only loopback targets: fault tests stay on this machine.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  if (!isLoopbackHost(target.host))
    throw new Error(`startTcpProxy: ${target.host} is not a loopback address; fault tests only reach this machine`);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    track(client);
    track(upstream);
    // Either side going away takes the other with it, as a broken network path would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  const stop = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen(0);
  const port = (server.address() as { port: number }).port;
  return { port, cut: stop, restore: () => listen(port), close: () => (server.listening ? stop() : Promise.resolve()) };
}
