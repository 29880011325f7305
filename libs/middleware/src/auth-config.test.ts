import { describe, expect, it } from 'vitest';
import { authConfigSchema, authProductionProblems, tokenSettings } from './auth-config';

const schema = authConfigSchema('weather');

describe('authConfigSchema', () => {
  it('names the service in the issuer and audience by default, and refuses a short secret', () => {
    expect(schema.parse(undefined)).toEqual({
      issuer: 'mcp-fleet/weather',
      audience: 'weather',
      tokenTtlSec: 3600,
      clockToleranceSec: 30,
      jwksCooldownSec: 30,
      authorizationServers: [],
    });
    expect(() => schema.parse({ secret: 'short' })).toThrow(/32/);
  });
});

describe('authProductionProblems', () => {
  it('requires a secret or a JWKS URL in production only', () => {
    const none = schema.parse({});
    expect(authProductionProblems(none, 'production')).toEqual([
      'auth.secret is required in production (set AUTH__SECRET to at least 32 random characters), or set auth.jwksUrl',
    ]);
    expect(authProductionProblems(none, 'development')).toEqual([]);
    expect(authProductionProblems(schema.parse({ jwksUrl: 'https://idp.example/jwks' }), 'production')).toEqual([]);
  });
});

describe('tokenSettings', () => {
  it('keeps a configured secret, and makes a random one (saying so) when there is none', () => {
    const warnings: string[] = [];
    const secret = 'a-secret-that-is-at-least-32-characters';
    expect(tokenSettings(schema.parse({ secret }), (w) => warnings.push(w))).toMatchObject({ secret, ttlSec: 3600 });
    expect(warnings).toEqual([]);
    const random = tokenSettings(schema.parse({}), (w) => warnings.push(w));
    expect(random.secret).toMatch(/^[\w-]{43}$/);
    expect(warnings).toEqual(['auth.secret is not set (AUTH__SECRET): using a random secret, so tokens end with this process']);
  });
});

describe('the protected resource settings', () => {
  it('take the resource URL as the audience tokens must name, and refuse what is not a URL, naming the key', () => {
    const secret = 'a-secret-that-is-at-least-32-characters';
    expect(tokenSettings(schema.parse({ secret }), () => undefined).audience).toBe('weather');
    const resource = 'https://weather.example.com/mcp';
    const settings = schema.parse({ secret, resource, authorizationServers: ['https://id.example.com/realms/acme'] });
    expect(tokenSettings(settings, () => undefined).audience).toBe(resource);
    expect(settings.authorizationServers).toEqual(['https://id.example.com/realms/acme']);
    expect(schema.parse({}).authorizationServers).toEqual([]);
    const refused = schema.safeParse({ resource: 'weather.example.com/mcp', authorizationServers: ['not a url'] });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['resource', 'authorizationServers.0']);
  });
});
