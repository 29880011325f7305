import { ProtocolError, ResourceNotFoundError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { AccessError, ConflictError, errors, NotFoundError, outcomeOfError, PublicError, RateLimitError, TimeoutError } from './errors';

function logger() {
  const lines: { object: Record<string, unknown>; message: string }[] = [];
  const write = (object: object, message: string) => lines.push({ object: object as Record<string, unknown>, message });
  return { lines, sink: { info: write, warn: write, error: write } };
}

const ctx = (over: Partial<CallContext> = {}) => ({ kind: 'tool', name: 'update_document', requestId: 'req-1', ...over }) as CallContext;
const failWith = (error: unknown) => async () => {
  throw error;
};

describe('errors middleware', () => {
  it('turns a public error of a tool into an isError result with its message', async () => {
    const { sink, lines } = logger();
    const result = await errors({ logger: sink })(ctx(), failWith(new ConflictError('version 3 is stale; the document is at version 4')));
    expect(result).toEqual({ content: [{ type: 'text', text: 'version 3 is stale; the document is at version 4' }], isError: true });
    expect(lines).toEqual([]);
  });

  it('hides any other error behind the request id and logs it with its stack', async () => {
    const { sink, lines } = logger();
    const result = await errors({ logger: sink })(ctx(), failWith(new Error('password=hunter2 at db.ts:12')));
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(result).toMatchObject({
      isError: true,
      content: [{ text: 'Internal error (request req-1); the details are in the server log' }],
    });
    expect(lines[0]?.message).toBe('handler failed');
    expect((lines[0]?.object.err as Error).stack).toContain('password=hunter2');
  });

  it('answers a resource miss with the SDK resource-not-found error for its URI', async () => {
    const { sink } = logger();
    const failing = errors({ logger: sink })(
      ctx({ kind: 'resource', uri: 'documents://x' }),
      failWith(new NotFoundError('document x not found')),
    );
    await expect(failing).rejects.toSatisfy(
      (error) => ResourceNotFoundError.isInstance(error) && (error as ResourceNotFoundError).uri === 'documents://x',
    );
  });

  it('answers other resource and prompt failures with a JSON-RPC error, and passes protocol errors through', async () => {
    const { sink } = logger();
    const hidden = errors({ logger: sink })(ctx({ kind: 'prompt' }), failWith(new Error('secret')));
    await expect(hidden).rejects.toSatisfy((error) => ProtocolError.isInstance(error) && (error as ProtocolError).code === -32603);
    const original = new ProtocolError(-32602, 'bad params');
    await expect(errors({ logger: sink })(ctx({ kind: 'prompt' }), failWith(original))).rejects.toBe(original);
  });

  it("records on the context whose fault the throw was, since the answer for it may look like a tool's own error", async () => {
    const { sink } = logger();
    const crashed = ctx();
    await errors({ logger: sink })(crashed, failWith(new Error('boom')));
    expect(crashed.outcome).toBe('server_error');
    const expected = ctx();
    await errors({ logger: sink })(expected, failWith(new NotFoundError('document 7 not found')));
    expect(expected.outcome).toBe('tool_error');
  });
});

describe('outcomeOfError', () => {
  it.each([
    ['a crash', new TypeError('x is undefined'), 'tool', 'server_error'],
    ['a dependency down', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'tool', 'server_error'],
    ['a timeout', new TimeoutError('tool t timed out after 10 ms'), 'tool', 'server_error'],
    ['an internal protocol error', new ProtocolError(-32603, 'x'), 'resource', 'server_error'],
    ['no token', new AccessError('authentication required'), 'tool', 'refused'],
    ['a rate limit', new RateLimitError('rate limit exceeded'), 'prompt', 'refused'],
    ["a tool's expected error", new NotFoundError('document 7 not found'), 'tool', 'tool_error'],
    ["a resource's miss", new NotFoundError('no such document'), 'resource', 'client_error'],
    ['any public error of a prompt', new PublicError('unknown style'), 'prompt', 'client_error'],
    ['invalid params', new ProtocolError(-32602, 'bad'), 'tool', 'client_error'],
  ] as const)('%s: a %s error is %s', (_what, error, kind, outcome) => {
    expect(outcomeOfError(error, kind)).toBe(outcome);
  });
});
