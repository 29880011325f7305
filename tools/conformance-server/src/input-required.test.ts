// The input-required (multi-round-trip, SEP-2322) fixtures round by round, over HTTP on the machine's Node: what
// the newest suite checks on Node 22+ (conformance-latest.node22.test.ts), so that they are tested on every Node.
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = workspaceRoot();
let server: ServerProcess;
beforeAll(async () => {
  server = await startServerProcess({
    app: join(root, 'tools', 'conformance-server', 'dist', 'main.js'),
    coverageDir: join(root, 'tools', 'conformance-server', 'coverage', 'e2e-raw'),
  });
});
afterAll(async () => {
  await server.stop();
});

interface Answer {
  result?: {
    resultType?: string;
    inputRequests?: Record<string, { method: string }>;
    requestState?: string;
    content?: { text: string }[];
    messages?: unknown[];
  };
  error?: { code: number; message: string };
}

/** One 2026-07-28 request, as a conforming client sends it; `capabilities` are the client's declared ones. */
async function send(
  method: 'tools/call' | 'prompts/get',
  name: string,
  extra: Record<string, unknown> = {},
  capabilities: object = { elicitation: {}, sampling: {}, roots: {} },
): Promise<Answer> {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'rounds', version: '0' },
    'io.modelcontextprotocol/clientCapabilities': capabilities,
  };
  const response = await fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      'mcp-name': name,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: { name, ...(method === 'tools/call' ? { arguments: {} } : {}), ...extra, _meta: meta },
    }),
  });
  return (await response.json()) as Answer;
}
const accept = (content: object) => ({ action: 'accept', content });
const sampled = (text: string) => ({ role: 'assistant', content: { type: 'text', text }, model: 'm' });
const roots = { roots: [{ uri: 'file:///work', name: 'work' }] };
const methods = (answer: Answer) =>
  Object.values(answer.result?.inputRequests ?? {})
    .map((request) => request.method)
    .sort();

describe('the input-required fixtures', () => {
  it('ask once and complete with the answer: elicitation, sampling, roots, and a prompt', async () => {
    const rounds: [string, 'tools/call' | 'prompts/get', string, object][] = [
      ['test_input_required_result_elicitation', 'tools/call', 'user_name', accept({ name: 'Ada' })],
      ['test_input_required_result_sampling', 'tools/call', 'capital_question', sampled('Paris.')],
      ['test_input_required_result_list_roots', 'tools/call', 'client_roots', roots],
      ['test_input_required_result_prompt', 'prompts/get', 'user_context', accept({ context: 'tests' })],
    ];
    for (const [name, method, key, response] of rounds) {
      const first = await send(method, name);
      expect(first.result?.resultType, name).toBe('input_required');
      expect(Object.keys(first.result!.inputRequests!), name).toEqual([key]);
      const second = await send(method, name, { inputResponses: { [key]: response } });
      expect(second.result?.resultType ?? 'complete', name).toBe('complete');
    }
    expect(
      (await send('tools/call', 'test_input_required_result_elicitation', { inputResponses: { user_name: accept({ name: 'Ada' }) } }))
        .result?.content?.[0]?.text,
    ).toBe('Hello, Ada!');
    // A retry without the answer it needs is asked again, not refused.
    expect(
      (await send('tools/call', 'test_input_required_result_elicitation', { inputResponses: { other: accept({}) } })).result?.resultType,
    ).toBe('input_required');
  });

  it('carry their state through requestState, sealed: several rounds, and a changed state refused', async () => {
    const first = await send('tools/call', 'test_input_required_result_multi_round');
    const second = await send('tools/call', 'test_input_required_result_multi_round', {
      inputResponses: { step1: accept({ name: 'Ada' }) },
      requestState: first.result!.requestState,
    });
    expect(Object.keys(second.result!.inputRequests!)).toEqual(['step2']);
    expect(second.result!.requestState).not.toBe(first.result!.requestState);
    const third = await send('tools/call', 'test_input_required_result_multi_round', {
      inputResponses: { step2: accept({ color: 'blue' }) },
      requestState: second.result!.requestState,
    });
    expect(third.result?.content?.[0]?.text).toBe('Ada likes blue');

    const stated = await send('tools/call', 'test_input_required_result_request_state');
    const done = await send('tools/call', 'test_input_required_result_request_state', {
      inputResponses: { confirm: accept({ ok: 'y' }) },
      requestState: stated.result!.requestState,
    });
    expect(done.result?.content?.[0]?.text).toContain('state-ok');

    const sealed = await send('tools/call', 'test_input_required_result_tampered_state');
    const state = sealed.result!.requestState!;
    // The second-to-last character always carries data; swap it for another one.
    const tampered = `${state.slice(0, -2)}${state.at(-2) === 'A' ? 'B' : 'A'}${state.at(-1)}`;
    const refused = await send('tools/call', 'test_input_required_result_tampered_state', {
      inputResponses: { confirm: accept({ ok: 'y' }) },
      requestState: tampered,
    });
    expect(refused.error?.code).toBe(-32602);
    const intact = await send('tools/call', 'test_input_required_result_tampered_state', {
      inputResponses: { confirm: accept({ ok: 'y' }) },
      requestState: state,
    });
    expect(intact.result?.content?.[0]?.text).toBe('state intact');
  });

  it('ask for everything at once when asked so, and only through what the client declared', async () => {
    const all = await send('tools/call', 'test_input_required_result_multiple_inputs');
    expect(methods(all)).toEqual(['elicitation/create', 'roots/list', 'sampling/createMessage']);
    const answered = await send('tools/call', 'test_input_required_result_multiple_inputs', {
      inputResponses: { user_name: accept({ name: 'Ada' }), greeting: sampled('Hi!'), client_roots: roots },
      requestState: all.result!.requestState,
    });
    expect(answered.result?.content?.[0]?.text).toBe('Ada, Hi! Roots: file:///work');
    expect(methods(await send('tools/call', 'test_input_required_result_capabilities', {}, { sampling: {} }))).toEqual([
      'sampling/createMessage',
    ]);
    expect((await send('tools/call', 'test_input_required_result_capabilities', {}, {})).result?.content?.[0]?.text).toBe(
      'nothing left to ask',
    );
  });
});
