import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.5.6.7', '::1', '[::1]', 'localhost'])('counts %s as loopback', (host) =>
    expect(isLoopbackHost(host)).toBe(true),
  );
  it.each(['0.0.0.0', '10.0.0.5', '128.0.0.1', 'localhost.example.com', '::', 'evil.localhost'])('does not count %s', (host) =>
    expect(isLoopbackHost(host)).toBe(false),
  );
});
