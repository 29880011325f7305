import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './passwords';

describe('passwords', () => {
  it('stores a salted scrypt hash, never the password, and verifies it', async () => {
    const hash = await hashPassword('password');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('password');
    expect(await hashPassword('password')).not.toBe(hash);
    expect(await verifyPassword('password', hash)).toBe(true);
    expect(await verifyPassword('Password', hash)).toBe(false);
  });

  it('refuses a stored value that is not a scrypt hash', async () => {
    expect(await verifyPassword('password', 'password')).toBe(false);
    expect(await verifyPassword('password', 'bcrypt$x$y')).toBe(false);
  });
});
