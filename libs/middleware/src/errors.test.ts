import { ProtocolError, ResourceNotFoundError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import type { CallContext } from './context';
import { ConflictError, errors, NotFoundError } from './errors';

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
    expect(result).toMatchObject({ isError: true, content: [{ text: 'Internal error (request req-1); the details are in the server log' }] });
    expect(lines[0]?.message).toBe('handler failed');
    expect((lines[0]?.object.err as Error).stack).toContain('password=hunter2');
  });

  it('answers a resource miss with the SDK resource-not-found error for its URI', async () => {
    const { sink } = logger();
    const failing = errors({ logger: sink })(ctx({ kind: 'resource', uri: 'documents://x' }), failWith(new NotFoundError('document x not found')));
    await expect(failing).rejects.toSatisfy((error) => ResourceNotFoundError.isInstance(error) && (error as ResourceNotFoundError).uri === 'documents://x');
  });

  it('answers other resource and prompt failures with a JSON-RPC error, and passes protocol errors through', async () => {
    const { sink } = logger();
    const hidden = errors({ logger: sink })(ctx({ kind: 'prompt' }), failWith(new Error('secret')));
    await expect(hidden).rejects.toSatisfy((error) => ProtocolError.isInstance(error) && (error as ProtocolError).code === -32603);
    const original = new ProtocolError(-32602, 'bad params');
    await expect(errors({ logger: sink })(ctx({ kind: 'prompt' }), failWith(original))).rejects.toBe(original);
  });
});
