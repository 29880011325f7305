import { connectHttpClient, startServerProcess, startTcpProxy, waitUntil } from '@mcp-fleet/testing';
import pg from 'pg';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { testDatabases } from './support/databases';

const postgres = testDatabases().find((database) => database.name === 'postgres');
afterAll(() => postgres?.drop());

const readyzBecomes = (baseUrl: string, status: number) =>
  waitUntil(async () => (await fetch(`${baseUrl}/readyz`)).status === status, { what: `/readyz answering ${status}` });

// PostgreSQL only: CI sets DATABASE_URL (.ci/run); PGlite lives in the process and has no connection to cut.
describe.runIf(postgres)('documents on PostgreSQL when the database connection is cut mid-load', () => {
  it('turns /readyz 503 while it is down and 200 after, never restarts, and keeps every acknowledged write', async () => {
    const direct = new URL(await postgres!.url());
    const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
    onTestFinished(() => proxy.close());
    const viaProxy = new URL(direct);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const server = await startServerProcess({
      app: 'documents',
      env: { DATABASE_URL: viaProxy.href, AUTH__SECRET: 'faults-secret-that-is-at-least-32-characters' },
    });
    try {
      const login = await connectHttpClient(server.url);
      const { access_token: token } = (await login.callTool({ name: 'login', arguments: { username: 'testuser', password: 'password' } }))
        .structuredContent as { access_token: string };
      await login.close();

      const acknowledged: string[] = [];
      let failed = 0;
      let phase: 'before' | 'down' | 'after' = 'before';
      const afterRecovery = { count: 0 };
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

      await waitUntil(() => acknowledged.length >= 40, { what: '40 acknowledged writes' });
      await proxy.cut();
      phase = 'down';
      await readyzBecomes(server.baseUrl, 503);
      const readyz = (await (await fetch(`${server.baseUrl}/readyz`)).json()) as { checks: { database: string } };
      expect(readyz.checks.database).toMatch(/^error: /);
      await waitUntil(() => failed > 0, { what: 'a write failing while the database is cut off' });

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
    }
  });
});
