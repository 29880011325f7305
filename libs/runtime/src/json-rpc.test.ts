import { describe, expect, it } from 'vitest';
import { labelRequest, outcomeOf, outcomeOfStatus } from './json-rpc';

const tools = new Set(['echo']);

describe('labelRequest', () => {
  it.each([
    [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } },
      { method: 'tools/call', tool: 'echo' },
    ],
    [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x'.repeat(500) } },
      { method: 'tools/call', tool: 'unknown' },
    ],
    [
      { jsonrpc: '2.0', id: 1, method: 'tools/call' },
      { method: 'tools/call', tool: 'unknown' },
    ],
    [
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { method: 'tools/list', tool: '' },
    ],
    [
      { jsonrpc: '2.0', id: 1, method: 'made/up/by/a/client' },
      { method: 'other', tool: '' },
    ],
    [
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { method: 'notification', tool: '' },
    ],
    [
      { jsonrpc: '2.0', id: 1, result: {} },
      { method: 'response', tool: '' },
    ],
    [[{ jsonrpc: '2.0', id: 1, method: 'ping' }], { method: 'batch', tool: '' }],
    [42, { method: 'invalid', tool: '' }],
  ])('labels %j as %j, never with a client-chosen value', (body, labels) => {
    expect(labelRequest(body, tools)).toEqual(labels);
  });
});

describe('outcomeOf', () => {
  const invalidParams = '{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}';
  const internal = '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"Internal error"}}';
  const isError = '{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[]}}';

  it("takes whose fault a failed answer was from the pipeline's report", () => {
    expect(outcomeOf(isError, 'tool_error')).toBe('tool_error');
    expect(outcomeOf(isError, 'server_error')).toBe('server_error');
    expect(outcomeOf(invalidParams, 'refused')).toBe('refused');
  });

  it("without a report, counts a failure as the client's unless it is an internal error", () => {
    expect(outcomeOf(invalidParams)).toBe('client_error');
    expect(outcomeOf(isError)).toBe('client_error');
    expect(outcomeOf(internal)).toBe('server_error');
  });

  it("counts a failed answer to a call the pipeline finished well as the server's (its answer was invalid)", () => {
    expect(outcomeOf(isError, 'ok')).toBe('server_error');
  });

  it('counts an answer as ok when it has no error, whatever its text says', () => {
    expect(outcomeOf('{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\\"error\\":{"}]}}', 'ok')).toBe('ok');
    expect(outcomeOf('not json')).toBe('ok');
  });
});

describe('outcomeOfStatus', () => {
  it.each([
    [401, 'refused'],
    [403, 'refused'],
    [429, 'refused'],
    [400, 'client_error'],
    [404, 'client_error'],
    [413, 'client_error'],
    [500, 'server_error'],
    [503, 'server_error'],
  ])('%i is %s', (status, outcome) => {
    expect(outcomeOfStatus(status)).toBe(outcome);
  });
});
