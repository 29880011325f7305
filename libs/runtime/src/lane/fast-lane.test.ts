// The fast lane against the SDK's own HTTP entry, over real HTTP: every answer must be the one the entry gives with
// the lane off, byte for byte. If an SDK release stops keeping an instance's era across connects, or moves where
// the entry writes a request's client identity, the engagement and identity tests here fail.
import { types } from 'node:util';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  McpServer,
  PROTOCOL_VERSION_META_KEY,
  type McpRequestContext,
} from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { runtimeConfigSchema } from '../config';
import { CASES, createServer, held, legacy, LEGACY_CASES, modern, REVISION } from '../../test/lane-cases';
import { CLASSIFIER_REVISION } from './dispatch';
import { holdsClientState, missingInternals } from './sdk-internals';
import { createLogger } from '../logger';
import { serve, type RunningService } from '../serve';

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.shutdown('test over')));
});

async function start(fastLane: boolean): Promise<string> {
  const service = await serve(createServer, {
    name: 'lane-fixture',
    config: runtimeConfigSchema.parse({ port: 0, http: { fastLane } }),
    handleSignals: false,
    logger: createLogger({ service: 'lane-fixture', level: 'silent' }),
  });
  running.push(service);
  return service.url!;
}

async function post(url: string, request: { headers: Record<string, string>; body: string }) {
  const response = await fetch(url, { method: 'POST', ...request });
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('the fast lane', () => {
  it('answers every 2025-era stateless request exactly as the SDK entry does with the lane off', async () => {
    const [lane, entry] = await Promise.all([start(true), start(false)]);
    // The first 2025-era exchange on the entry prepares an instance for the lane.
    await post(lane, legacy('ping'));
    expect((await post(lane, legacy('tools/call', { name: 'path', arguments: {} }))).body).toContain('"text":"lane"');
    expect((await post(entry, legacy('tools/call', { name: 'path', arguments: {} }))).body).toContain('"text":"entry"');
    for (const [name, request] of LEGACY_CASES) {
      const [fast, reference] = [await post(lane, request), await post(entry, request)];
      expect({ name, ...fast }).toEqual({ name, ...reference });
    }
    // Still the lane after the exchanges that change an instance: their instances were not taken back.
    expect((await post(lane, legacy('tools/call', { name: 'path', arguments: {} }))).body).toContain('"text":"lane"');
  });

  it('answers every request exactly as the SDK entry does with the lane off', async () => {
    const [lane, entry] = await Promise.all([start(true), start(false)]);
    // The first modern exchange on the entry prepares an instance for the lane.
    await post(lane, modern('ping'));
    expect(JSON.parse((await post(lane, modern('tools/call', { name: 'path', arguments: {} }))).body).result.content[0].text).toBe('lane');
    expect(JSON.parse((await post(entry, modern('tools/call', { name: 'path', arguments: {} }))).body).result.content[0].text).toBe(
      'entry',
    );
    for (const [name, request] of CASES) {
      const [fast, reference] = [await post(lane, request), await post(entry, request)];
      expect({ name, ...fast }).toEqual({ name, ...reference });
    }
  });

  it("finds on the SDK's Server every internal the lane dispatches with (sdk-internals.ts), and on a new one no client", () => {
    const { server } = createServer();
    expect(missingInternals(server)).toEqual([]);
    expect(holdsClientState(server)).toBe(false);
  });

  it('turns itself off with one warning when an SDK release lacks an internal it needs: every request takes the SDK entry, none fails', async () => {
    const lines: { msg: string; missing?: string[] }[] = [];
    const destination = { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; missing?: string[] }) };
    const renamed = () => {
      const product = createServer();
      // As if a release had renamed it: the lane dispatches with it, the SDK's entry does not need it for these calls.
      Object.defineProperty(product.server, 'LOG_LEVEL_SEVERITY', { value: undefined });
      return product;
    };
    const service = await serve(renamed, {
      name: 'lane-fixture',
      config: runtimeConfigSchema.parse({ port: 0, http: { fastLane: true } }),
      handleSignals: false,
      logger: createLogger({ service: 'lane-fixture', level: 'warn', destination }),
    });
    running.push(service);
    for (let i = 0; i < 3; i++) {
      const answer = await post(service.url!, modern('tools/call', { name: 'path', arguments: {} }));
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('"text":"entry"');
    }
    expect(lines.filter((line) => line.msg.startsWith('fast lane off'))).toEqual([
      expect.objectContaining({ missing: ['LOG_LEVEL_SEVERITY'] }),
    ]);
  });

  it("accepts as modern exactly the envelopes the SDK's dispatch accepts (lane-dispatch.ts does not check them again)", () => {
    const server = createServer().server as unknown as {
      _negotiatedProtocolVersion?: string;
      _negotiatedWireCodec(): { checkInboundEnvelope(material: { envelope: object }): string | undefined };
    };
    server._negotiatedProtocolVersion = CLASSIFIER_REVISION;
    const codec = server._negotiatedWireCodec();
    const good = {
      [PROTOCOL_VERSION_META_KEY]: CLASSIFIER_REVISION,
      [CLIENT_CAPABILITIES_META_KEY]: {},
      [CLIENT_INFO_META_KEY]: { name: 'c', version: '1' },
    };
    const { [CLIENT_INFO_META_KEY]: _info, ...anonymous } = good;
    const { [CLIENT_CAPABILITIES_META_KEY]: _capabilities, ...incapable } = good;
    const envelopes: object[] = [
      good,
      anonymous,
      incapable,
      { ...good, [LOG_LEVEL_META_KEY]: 'debug' },
      { ...good, [LOG_LEVEL_META_KEY]: 'loud' },
      { ...good, [CLIENT_INFO_META_KEY]: { name: 'c' } },
      { ...good, [CLIENT_CAPABILITIES_META_KEY]: 'all' },
      { ...good, [CLIENT_CAPABILITIES_META_KEY]: { sampling: 'yes' } },
      { ...good, [PROTOCOL_VERSION_META_KEY]: 2026 },
      { ...good, progressToken: {} },
    ];
    const verdicts = envelopes.map((envelope) => {
      const body = { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: envelope } };
      const classified = classifyInboundRequest({
        httpMethod: 'POST',
        body,
        protocolVersionHeader: CLASSIFIER_REVISION,
        mcpMethodHeader: 'ping',
      });
      return { envelope, classifier: classified.kind === 'modern', dispatch: codec.checkInboundEnvelope({ envelope }) === undefined };
    });
    expect(verdicts.filter(({ classifier, dispatch }) => classifier !== dispatch)).toEqual([]);
    // Both kinds are among them.
    expect(new Set(verdicts.map(({ dispatch }) => dispatch))).toEqual(new Set([true, false]));
  });

  it('lists tools, prompts and templates as they are after one is disabled, enabled, removed or registered', async () => {
    const url = await start(true);
    const names = async (method: string, field: string) =>
      (JSON.parse((await post(url, modern(method))).body).result[field] as { name: string }[]).map((item) => item.name);
    // Which of the tool, the prompt and the template named "sometimes" each listing shows.
    const shown = async () =>
      [
        await names('tools/list', 'tools'),
        await names('prompts/list', 'prompts'),
        await names('resources/templates/list', 'resourceTemplates'),
      ].map((list) => list.includes('sometimes'));
    const toggle = (what: string) => post(url, modern('tools/call', { name: 'toggle', arguments: { what } }));
    await post(url, modern('ping'));
    expect(await shown()).toEqual([true, true, true]);
    expect(await shown()).toEqual([true, true, true]);
    await toggle('prompt');
    expect(await shown()).toEqual([true, false, true]);
    await toggle('template');
    expect(await shown()).toEqual([true, false, false]);
    await toggle('tool');
    expect(await shown()).toEqual([false, false, false]);
    await toggle('prompt');
    await toggle('template');
    await toggle('tool');
    expect(await shown()).toEqual([true, true, true]);
  });

  it('serves a factory that builds per principal through the lane too, each principal on its own instances', async () => {
    let builds = 0;
    const perPrincipal = (ctx: McpRequestContext) => {
      builds++;
      const builtFor = ctx.authInfo?.clientId ?? 'anonymous';
      const server = new McpServer({ name: 'per-principal', version: '1.0.0' });
      server.registerTool('built_for', { inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: builtFor }] }));
      server.registerTool('path', { inputSchema: z.object({}) }, async (_args, sdk) => ({
        content: [{ type: 'text', text: types.isProxy(sdk.http?.req) ? 'lane' : 'entry' }],
      }));
      return server;
    };
    const service = await serve(perPrincipal, {
      name: 'per-principal',
      config: runtimeConfigSchema.parse({ port: 0 }),
      handleSignals: false,
      logger: createLogger({ service: 'per-principal', level: 'silent' }),
      authenticate: async (token) => ({ token, clientId: token, scopes: [] }),
    });
    running.push(service);
    const atStart = builds; // serve() builds one to learn the tool names
    const call = async (tool: string, who?: string) => {
      const request = modern('tools/call', { name: tool, arguments: {} }, { headers: { authorization: who && `Bearer ${who}` } });
      return JSON.parse((await post(service.url!, request)).body).result.content[0].text as string;
    };
    for (let round = 0; round < 3; round++) {
      for (const who of ['ada', 'bob', undefined]) expect(await call('built_for', who)).toBe(who ?? 'anonymous');
    }
    for (const who of ['ada', 'bob', undefined]) expect(await call('path', who)).toBe('lane');
    expect(builds - atStart).toBe(3);
  });

  it('gives each request its own client identity and request, with the real SDK client', async () => {
    const url = await start(true);
    const connect = async (name: string) => {
      const client = new Client({ name, version: '0' }, { versionNegotiation: { mode: { pin: REVISION } } });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-probe': `probe-${name}` } } }));
      return client;
    };
    const [alpha, beta] = [await connect('alpha'), await connect('beta')];
    const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
    await alpha.callTool({ name: 'who', arguments: {} });
    expect(text(await alpha.callTool({ name: 'path', arguments: {} }))).toBe('lane');
    expect(text(await beta.callTool({ name: 'who', arguments: {} }))).toBe('beta probe-beta');
    expect(text(await alpha.callTool({ name: 'who', arguments: {} }))).toBe('alpha probe-alpha');
    expect(text(await beta.callTool({ name: 'who', arguments: {} }))).toBe('beta probe-beta');
  });

  it('delivers a notification sent before the result to the real SDK client', async () => {
    const url = await start(true);
    const client = new Client({ name: 'progress', version: '0' }, { versionNegotiation: { mode: { pin: REVISION } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    await client.callTool({ name: 'path', arguments: {} });
    const seen: number[] = [];
    const result = await client.callTool({ name: 'steps', arguments: {} }, { onprogress: (progress) => seen.push(progress.progress) });
    expect(result.content).toEqual([{ type: 'text', text: 'stepped' }]);
    expect(seen).toEqual([1]);
  });

  it('aborts the handler when the client goes away, and keeps serving', async () => {
    const url = await start(true);
    await post(url, modern('ping'));
    held.aborted = false;
    const controller = new AbortController();
    const call = fetch(url, { method: 'POST', signal: controller.signal, ...modern('tools/call', { name: 'hold', arguments: {} }) }).catch(
      (error: Error) => error.name,
    );
    await expect.poll(() => held.release, { timeout: 30_000 }).toBeDefined();
    controller.abort();
    expect(await call).toBe('AbortError');
    await expect.poll(() => held.aborted, { timeout: 30_000 }).toBe(true);
    expect(
      JSON.parse((await post(url, modern('tools/call', { name: 'echo', arguments: { message: 'after' } }))).body).result.content[0].text,
    ).toBe('after');
  });
});
