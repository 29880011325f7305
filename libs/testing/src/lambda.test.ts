import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { runtimeConfigSchema } from '@mcp-fleet/runtime';
import { McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { fromLambdaResult, installStreamingRuntime, lambdaStreamFetch, toLambdaEvent } from './lambda';

// The streaming handler through the streaming runtime's double: a tool reports progress, then waits for the test
// to release it, so the first message can only reach the client if the answer really streams.
let release: () => void = () => undefined;
const released = () => new Promise<void>((resolve) => (release = resolve));

function factory() {
  const server = new McpServer({ name: 'streams', version: '1.0.0' });
  server.registerTool('steps', { inputSchema: z.object({}) }, async (_args, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const gate = released();
    if (progressToken !== undefined)
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } });
    await gate;
    if (progressToken !== undefined)
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 2, total: 2 } });
    return { content: [{ type: 'text', text: 'all steps done' }] };
  });
  return server;
}

let removeRuntime: () => void;
beforeAll(() => {
  removeRuntime = installStreamingRuntime();
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(() => {
  removeRuntime();
  vi.restoreAllMocks();
});

const handlers = () =>
  createLambdaHandlers(async () => ({ name: 'streams', config: runtimeConfigSchema.parse({ logLevel: 'silent' }), factory }));

const url = 'https://abcdefg.lambda-url.us-east-1.on.aws/mcp';
const call = {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
  body: JSON.stringify({
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: { name: 'steps', arguments: {}, _meta: { progressToken: 'p1' } },
  }),
};

describe('a streaming Function URL, through the streaming runtime double', () => {
  it('sends the status and headers, then each message as it is written, in order, before the handler has finished', async () => {
    const { streamingHandler } = await handlers();
    const response = await lambdaStreamFetch(streamingHandler)(url, call);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = '';
    // The first progress message arrives while the tool still waits: a buffered answer would never get here.
    while (!seen.includes('"progress":1')) seen += (await reader.read()).value ?? '';
    expect(seen).not.toContain('all steps done');
    release();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) seen += chunk.value;
    const messages = seen
      .split('\n\n')
      .filter(Boolean)
      .map(
        (event) =>
          JSON.parse(
            event
              .split('\n')
              .find((line) => line.startsWith('data: '))!
              .slice(6),
          ) as Record<string, unknown>,
      );
    expect(messages.map((message) => (message.method as string | undefined) ?? `answer ${String(message.id)}`)).toEqual([
      'notifications/progress',
      'notifications/progress',
      'answer 7',
    ]);
  });
});

describe('events to and from Lambda, as the tests build them', () => {
  it('keep cookies whole and bodies exact through a buffered handler, in each event format', async () => {
    const { handler } = await handlers();
    for (const kind of ['function-url', 'http-api', 'rest-api'] as const) {
      const request = new Request(url, {
        ...call,
        headers: { ...call.headers, cookie: 'a=1; b=2' },
        body: call.body.replace('"steps"', '"nope"'),
      });
      const event = await toLambdaEvent(request, kind);
      expect(
        kind === 'rest-api'
          ? (event as { headers: Record<string, string> }).headers.cookie
          : (event as { cookies?: string[] }).cookies?.join('; '),
        kind,
      ).toBe('a=1; b=2');
      const response = fromLambdaResult(await handler(event, { awsRequestId: `r-${kind}` } as never));
      expect(response.status, kind).toBe(200);
      expect(await response.text(), kind).toContain('Tool nope not found');
    }
  });
});
