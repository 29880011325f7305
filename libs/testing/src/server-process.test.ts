import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { startServerProcess } from './server-process';
import { waitUntil } from './wait-until';

const fixture = (name: string) => join(import.meta.dirname, '..', 'test', 'fixtures', name);

describe('startServerProcess', () => {
  it('resolves on the listening line, keeps every log line, and stops on SIGTERM', async () => {
    const server = await startServerProcess({ app: fixture('listens.mjs') });
    expect(server.url).toBe('http://127.0.0.1:1/mcp');
    expect(server.baseUrl).toBe('http://127.0.0.1:1');
    expect(server.logs[0]).toEqual({ msg: 'not json: a stray line', unstructured: true });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.logs.at(-1)).toMatchObject({ msg: 'stopped' });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it('streams lines to onLine and can unset a default variable', async () => {
    const seen: string[] = [];
    const server = await startServerProcess({
      app: fixture('listens.mjs'),
      env: { PORT: undefined },
      onLine: (line) => seen.push(String(line.msg)),
    });
    expect(seen).toEqual(['not json: a stray line', 'listening']);
    await server.stop();
  });

  it('runs Node under a wrapper command, whose exec leaves the pid, the logs and the stop to Node', async () => {
    const server = await startServerProcess({ app: fixture('listens.mjs'), wrapper: ['sh', '-c', 'echo wrapped >&2; exec "$0" "$@"'] });
    await waitUntil(() => server.stderr().includes('wrapped'), { what: "the wrapper's line on stderr" });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });

  it('with keepLogs false, lets the output after the listening line drain unread', async () => {
    const server = await startServerProcess({ app: fixture('chatty.mjs'), keepLogs: false });
    await waitUntil(() => server.stderr().includes('stdout drained'), { what: 'the 4 MB the fixture wrote to stdout draining' });
    // Lines that came in the listening line's chunk are still read; the thousands after it are not.
    expect(server.logs[0]).toMatchObject({ msg: 'listening' });
    expect(server.logs.length).toBeLessThan(1000);
    await server.stop();
  });

  it('rejects with the stderr of a process that exits before listening', async () => {
    await expect(startServerProcess({ app: fixture('crashes.mjs') })).rejects.toThrow(/exited \(code 1.*port = "abc"/s);
  });

  it('leaves nothing running when the start fails: a process that never listens is killed before the error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'never-listens-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const pidFile = join(dir, 'pid');
    await expect(
      startServerProcess({ app: fixture('never-listens.mjs'), env: { PID_FILE: pidFile }, startTimeoutMs: 1000 }),
    ).rejects.toThrow('no matching log line within 1000 ms');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('kills a process that ignores SIGTERM after the timeout', async () => {
    const server = await startServerProcess({ app: fixture('ignores-sigterm.mjs') });
    expect(await server.stop('SIGTERM', 200)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('times out waiting for a log line that never comes', async () => {
    const server = await startServerProcess({ app: fixture('listens.mjs') });
    await expect(server.waitForLog((line) => line.msg === 'never', 100)).rejects.toThrow('no matching log line within 100 ms');
    await server.stop();
  });

  it('says how to build an app that has not been built', async () => {
    await expect(startServerProcess({ app: 'no-such-app' })).rejects.toThrow(
      /apps\/no-such-app\/dist\/main\.js does not exist; build it first: npx nx run no-such-app:build/,
    );
  });
});

describe('workspaceRoot', () => {
  it('finds the folder with nx.json, and says when there is none', () => {
    expect(workspaceRoot(import.meta.dirname)).toBe(join(import.meta.dirname, '..', '..', '..'));
    expect(() => workspaceRoot('/')).toThrow('no nx.json above /');
  });
});
