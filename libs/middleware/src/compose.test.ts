import { describe, expect, it } from 'vitest';
import { compose } from './compose';
import type { CallContext, Middleware } from './context';

const ctx = {} as CallContext;

describe('compose', () => {
  it('runs middlewares in order around the handler, unwinding in reverse', async () => {
    const trace: string[] = [];
    const mark =
      (name: string): Middleware =>
      async (_ctx, next) => {
        trace.push(`${name} in`);
        const result = await next();
        trace.push(`${name} out`);
        return result;
      };
    const result = await compose([mark('a'), mark('b')])(ctx, async () => {
      trace.push('handler');
      return 42;
    });
    expect(result).toBe(42);
    expect(trace).toEqual(['a in', 'b in', 'handler', 'b out', 'a out']);
  });

  it('lets a middleware answer without calling the handler', async () => {
    let called = false;
    const result = await compose([async () => 'short-circuit'])(ctx, async () => (called = true));
    expect(result).toBe('short-circuit');
    expect(called).toBe(false);
  });

  it('sends a handler error back up through every middleware', async () => {
    const seen: string[] = [];
    const watch: Middleware = async (_ctx, next) => {
      try {
        return await next();
      } catch (error) {
        seen.push((error as Error).message);
        throw error;
      }
    };
    await expect(
      compose([watch, watch])(ctx, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(seen).toEqual(['boom', 'boom']);
  });

  it('turns a synchronous throw in a middleware into a rejection', async () => {
    const throwing: Middleware = () => {
      throw new Error('sync');
    };
    await expect(compose([throwing])(ctx, async () => 1)).rejects.toThrow('sync');
  });

  it('hands a middleware a promise whether the handler throws, returns a value, or returns a promise', async () => {
    const results: Promise<unknown>[] = [];
    const keep: Middleware = (_ctx, next) => {
      const result = next();
      results.push(result);
      return result;
    };
    await expect(
      compose([keep])(ctx, () => {
        throw new Error('sync handler');
      }),
    ).rejects.toThrow('sync handler');
    expect(await compose([keep])(ctx, () => 'plain')).toBe('plain');
    expect(await compose([keep])(ctx, async () => 'promised')).toBe('promised');
    expect(results.map((result) => result instanceof Promise)).toEqual([true, true, true]);
  });

  it('refuses a second call to next()', async () => {
    const twice: Middleware = async (_ctx, next) => {
      await next();
      return next();
    };
    await expect(compose([twice])(ctx, async () => 1)).rejects.toThrow('middleware 0 called next() more than once');
  });
});
