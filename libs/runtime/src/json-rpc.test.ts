import { describe, expect, it } from 'vitest';
import { labelRequest, outcomeOf } from './json-rpc';

const tools = new Set(['echo']);

describe('labelRequest', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }, { method: 'tools/call', tool: 'echo' }],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x'.repeat(500) } }, { method: 'tools/call', tool: 'unknown' }],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call' }, { method: 'tools/call', tool: 'unknown' }],
    [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { method: 'tools/list', tool: '' }],
    [{ jsonrpc: '2.0', id: 1, method: 'made/up/by/a/client' }, { method: 'other', tool: '' }],
    [{ jsonrpc: '2.0', method: 'notifications/initialized' }, { method: 'notification', tool: '' }],
    [{ jsonrpc: '2.0', id: 1, result: {} }, { method: 'response', tool: '' }],
    [[{ jsonrpc: '2.0', id: 1, method: 'ping' }], { method: 'batch', tool: '' }],
    [42, { method: 'invalid', tool: '' }],
  ])('labels %j as %j, never with a client-chosen value', (body, labels) => {
    expect(labelRequest(body, tools)).toEqual(labels);
  });
});

describe('outcomeOf', () => {
  it('tells protocol errors, tool errors and success apart', () => {
    expect(outcomeOf('{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad"}}')).toBe('error');
    expect(outcomeOf('{"jsonrpc":"2.0","id":1,"result":{"isError":true,"content":[]}}')).toBe('tool_error');
    expect(outcomeOf('{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"\\"error\\":{"}]}}')).toBe('ok');
    expect(outcomeOf('not json')).toBe('ok');
  });
});
