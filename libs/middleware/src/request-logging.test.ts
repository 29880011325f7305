import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { requestLogging } from './request-logging';

describe('requestLogging', () => {
  it('writes one line per call with caller, outcome and redacted arguments', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = {
      info: (object: object) => lines.push(object as Record<string, unknown>),
      warn: () => undefined,
      error: () => undefined,
    };
    const ctx = {
      kind: 'tool',
      name: 'login',
      requestId: 'r1',
      caller: { id: 'user-1', scopes: [], claims: {} },
      arguments: { username: 'testuser', password: 'hunter2', nested: [{ api_key: 'k' }] },
    } as unknown as CallContext;
    await requestLogging({ logger, logArguments: true })(ctx, async () => ({ content: [] }));
    await expect(requestLogging({ logger })({ ...ctx, caller: undefined }, async () => Promise.reject(new Error('x')))).rejects.toThrow(
      'x',
    );
    expect(lines[0]).toMatchObject({
      requestId: 'r1',
      caller: 'user-1',
      kind: 'tool',
      name: 'login',
      outcome: 'ok',
      arguments: { username: 'testuser', password: '[redacted]', nested: [{ api_key: '[redacted]' }] },
    });
    expect(lines[1]).toMatchObject({ caller: 'anonymous', outcome: 'server_error' });
    expect(lines[1]).not.toHaveProperty('arguments');
  });
});
