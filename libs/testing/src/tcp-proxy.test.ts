import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { startTcpProxy } from './tcp-proxy';

const echo = createServer((socket) => socket.pipe(socket));
afterAll(() => new Promise((resolve) => echo.close(resolve)));

async function roundTrip(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(text);
  const [data] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return data.toString();
}

describe('startTcpProxy', () => {
  it('passes bytes through, cuts open connections and refuses new ones, then serves again on the same port', async () => {
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
    onTestFinished(() => proxy.close());
    expect(await roundTrip(proxy.port, 'before')).toBe('before');

    const open: Socket = connect(proxy.port, '127.0.0.1');
    await once(open, 'connect');
    const closed = once(open, 'close');
    await proxy.cut();
    await closed;
    await expect(roundTrip(proxy.port, 'during')).rejects.toThrow(/ECONNREFUSED/);

    await proxy.restore();
    expect(await roundTrip(proxy.port, 'after')).toBe('after');
  });

  it('refuses a target that is not on loopback', async () => {
    await expect(startTcpProxy({ host: '10.0.0.5', port: 5432 })).rejects.toThrow('10.0.0.5 is not a loopback address');
  });
});
