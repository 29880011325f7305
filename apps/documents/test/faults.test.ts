import { connectHttpClient, startServerProcess, startTcpProxy } from '@mcp-fleet/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from './support/databases';

const postgres = testDatabases().find((database) => database.name === 'postgres');
afterAll(() => postgres?.drop());

/** Polls /readyz until it answers `status`, for at most a generous minute (the event, not a guess at its timing). */
async function readyzBecomes(baseUrl: string, status: number): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
    if ((await fetch(`${baseUrl}/readyz`)).status === status) return;
  }
  throw new Error(`/readyz did not answer ${status} within 60 s`);
}

// PostgreSQL only: CI sets DATABASE_URL (.ci/run); PGlite lives in the process and has no connection to cut.
describe.runIf(postgres)('documents on PostgreSQL when the database connection is cut mid-load', () => {
  it('turns /readyz 503 while it is down and 200 after, never restarts, and keeps every acknowledged write', async () => {
    const direct = new URL(await postgres!.url());
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const server = await startServerProcess({ app: 'documents', env: { DATABASE_URL: viaProxy.href, AUTH__SECRET: 'faults-secret-that-is-at-least-32-characters' } });
    try {
      const login = await connectHttpClient(server.url);
      const { access_token: token } = (await login.callTool({ name: 'login', arguments: { username: 'testuser', password: 'password' } })).structuredContent as { access_token: string };
      await login.close();

      const acknowledged: string[] = [];
      let failed = 0;
      let phase: 'before' | 'down' | 'after' = 'before';
      const afterRecovery = { count: 0 };
      const reached = (predicate: () => boolean) =>
        new Promise<void>((resolve) => {
          const check = setInterval(() => predicate() && (clearInterval(check), resolve()), 10);
        });
      // Four writers, each bounded in calls; they stop by themselves once enough writes landed after the outage.
      const writers = Array.from({ length: 4 }, async (_, writer) => {
        const client = await connectHttpClient(server.url, { token });
        for (let call = 0; call < 5_000 && afterRecovery.count < 40; call++) {
          const result = await client.callTool({ name: 'create_document', arguments: { title: `w${writer}-${call}`, content: phase } });
          if (result.isError) failed++;
          else {
            acknowledged.push((result.structuredContent as { id: string }).id);
            if (phase === 'after') afterRecovery.count++;
          }
        }
        await client.close();
      });

      await reached(() => acknowledged.length >= 40);
      await proxy.cut();
      phase = 'down';
      await readyzBecomes(server.baseUrl, 503);
      const readyz = (await (await fetch(`${server.baseUrl}/readyz`)).json()) as { checks: { database: string } };
      expect(readyz.checks.database).toMatch(/^error: /);
      await reached(() => failed > 0);

      await proxy.restore();
      await readyzBecomes(server.baseUrl, 200);
      phase = 'after';
      await Promise.all(writers);

      expect(afterRecovery.count).toBeGreaterThanOrEqual(40);
      expect(server.logs.filter((line) => line.msg === 'listening')).toHaveLength(1);
      expect(await Promise.race([server.exited.then(() => 'exited'), Promise.resolve('running')])).toBe('running');
      const check = new pg.Client({ connectionString: direct.href });
      await check.connect();
      const { rows } = await check.query<{ id: string }>('select id from documents where id = any($1::uuid[])', [acknowledged]);
      await check.end();
      expect(rows.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
    } finally {
      expect((await server.stop()).code).toBe(0);
      await proxy.close();
    }
  });
});
