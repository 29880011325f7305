import { describe, expect, it } from 'vitest';
import { Readiness } from './readiness';

describe('Readiness', () => {
  it('is not ready while starting or draining, even when every check passes', async () => {
    const readiness = new Readiness({ database: () => undefined });
    expect(await readiness.report()).toEqual({ ready: false, status: 'starting', checks: { database: 'ok' } });
    readiness.state = 'ready';
    expect(await readiness.report()).toEqual({ ready: true, status: 'ready', checks: { database: 'ok' } });
    readiness.state = 'draining';
    expect((await readiness.report()).status).toBe('draining');
  });

  it('is unready while a check throws or rejects, and names it', async () => {
    const readiness = new Readiness({
      database: async () => {
        throw new Error('connection refused');
      },
      cache: () => {
        throw new Error('no route');
      },
      queue: async () => 'fine',
    });
    readiness.state = 'ready';
    expect(await readiness.report()).toEqual({
      ready: false,
      status: 'unready',
      checks: { database: 'error: connection refused', cache: 'error: no route', queue: 'ok' },
    });
  });

  it('fails a check that does not answer in time', async () => {
    const readiness = new Readiness({ slow: () => new Promise(() => undefined) }, 50);
    readiness.state = 'ready';
    expect((await readiness.report()).checks).toEqual({ slow: 'error: no answer within 50 ms' });
  });
});
