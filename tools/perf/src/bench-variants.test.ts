import { createLogger, runtimeConfigSchema, serve, type RunningService } from '@mcp-fleet/runtime';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { access, createTokenVerifier } from '@mcp-fleet/middleware';
import {
  authorizedCall,
  BENCH_TOKEN,
  carriesEcho,
  legacySessionCall,
  legacyStatelessCall,
  listsAllTools,
  modernCall,
  modernList,
  openLegacySession,
  requestFor,
} from './bench-variants';

/** The bench's echo server, on the runtime: what its requests must be answered by. */
function echoServer(): McpServer {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
    content: [{ type: 'text', text: message }],
  }));
  return server;
}

const start = (legacySessions: boolean) =>
  serve(echoServer, {
    name: 'bench-echo',
    config: runtimeConfigSchema.parse({ port: 0, http: { legacySessions } }),
    handleSignals: false,
    logger: createLogger({ service: 'bench-echo', level: 'silent' }),
  });

describe("the bench's requests, against the runtime", () => {
  let sessions: RunningService;
  let stateless: RunningService;
  beforeAll(async () => {
    [sessions, stateless] = await Promise.all([start(true), start(false)]);
  });
  afterAll(async () => {
    await Promise.all([sessions?.shutdown('test over'), stateless?.shutdown('test over')]);
  });

  const post = async (url: string, request: { headers: Record<string, string>; body: string }) =>
    (await fetch(url, { method: 'POST', ...request })).text();

  it('are each answered with the echo, in both eras and in a session, and a listing is told from a full one', async () => {
    expect(carriesEcho(await post(stateless.url!, modernCall))).toBe(true);
    expect(carriesEcho(await post(stateless.url!, legacyStatelessCall))).toBe(true);
    const sessionId = await openLegacySession(sessions.url!);
    expect(carriesEcho(await post(sessions.url!, legacySessionCall(sessionId)))).toBe(true);
    const listing = await post(stateless.url!, modernList);
    expect(listing).toContain('"name":"echo"');
    // One tool is not the bench's hundred and one: a variant serving too few would be measuring something else.
    expect(listsAllTools(listing)).toBe(false);
  });

  it('are chosen by what each variant calls: a session opened first for a sessionful one, a token for the auth one', async () => {
    const variant = { id: 'b', name: 'x', app: 'x' } as const;
    expect(await requestFor(variant, stateless.url!)).toBe(modernCall);
    expect(await requestFor({ ...variant, call: 'list' }, stateless.url!)).toBe(modernList);
    expect(await requestFor({ ...variant, call: 'echo-2025' }, stateless.url!)).toBe(legacyStatelessCall);
    expect((await requestFor({ ...variant, call: 'echo-auth' }, stateless.url!)).headers.authorization).toMatch(/^Bearer ey/);
    const inSession = await requestFor({ ...variant, session: true }, sessions.url!);
    expect(inSession.headers['mcp-session-id']).toMatch(/\S/);
    expect(carriesEcho(await post(sessions.url!, inSession))).toBe(true);
  });

  it('tell a refusal from an answer, and a server without sessions from one with them', async () => {
    expect(carriesEcho(await post(stateless.url!, { ...modernCall, body: modernCall.body.replace('"echo"', '"nope"') }))).toBe(false);
    await expect(openLegacySession(stateless.url!)).rejects.toThrow(/opened no session .*is http.legacySessions on\?/);
  });

  it('carry a token the runtime takes for the scope echo requires, where the call without one is challenged', async () => {
    const { scope, ...settings } = BENCH_TOKEN;
    const guarded = await serve(
      () => {
        const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
        server.registerTool(
          'echo',
          { inputSchema: z.object({ message: z.string() }), _meta: access({ scopes: [scope] }) },
          async ({ message }) => ({
            content: [{ type: 'text', text: message }],
          }),
        );
        return server;
      },
      {
        name: 'bench-echo',
        config: runtimeConfigSchema.parse({ port: 0 }),
        handleSignals: false,
        logger: createLogger({ service: 'bench-echo', level: 'silent' }),
        authenticate: createTokenVerifier(settings),
      },
    );
    try {
      expect(carriesEcho(await post(guarded.url!, await authorizedCall()))).toBe(true);
      expect((await fetch(guarded.url!, { method: 'POST', ...modernCall })).status).toBe(401);
    } finally {
      await guarded.shutdown('test over');
    }
  });
});
