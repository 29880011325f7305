import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it('replaces secret-named values at any depth it is given, and leaves the rest', () => {
    const line = {
      user: 'a',
      password: 'p',
      nested: { token: 't', keep: 1, list: [{ api_key: 'k', n: 2 }] },
      headers: { authorization: 'Bearer x', cookie: 'c' },
    };
    expect(redactSecrets(line)).toEqual({
      user: 'a',
      password: '[redacted]',
      nested: { token: '[redacted]', keep: 1, list: [{ api_key: '[redacted]', n: 2 }] },
      headers: { authorization: '[redacted]', cookie: '[redacted]' },
    });
    expect(line.password).toBe('p');
  });

  it('returns the very same object when there is nothing to hide, and stops at the depth', () => {
    const clean = { a: 1, b: { c: [1, 2] }, passthrough: 'not a pass', tokens_used: 3 };
    expect(redactSecrets(clean)).toBe(clean);
    expect(redactSecrets({ a: { b: { secret: 's' } } }, 1)).toEqual({ a: { b: { secret: 's' } } });
    const error = new Error('x');
    expect(redactSecrets(error)).toBe(error);
  });
});
