import { ConfigError, loadConfig } from '@mcp-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { documentsConfigSchema, productionProblems } from './config';

const dir = new URL('../config', import.meta.url);
const load = (env: Record<string, string>) => loadConfig({ dir, schema: documentsConfigSchema, env });

describe('the shipped config files', () => {
  it.each(['development', 'test', 'production'])('%s.yaml is valid', (environment) => {
    const config = load({ MCP_ENV: environment, AUTH__SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://db/documents' });
    expect(config.environment).toBe(environment);
    expect(productionProblems(config)).toEqual([]);
  });

  it("seeds the seed's users in development and test, and nobody in production", () => {
    expect(load({ MCP_ENV: 'development' }).seedUsers.map((user) => user.username)).toEqual(['testuser', 'otheruser']);
    expect(load({ MCP_ENV: 'test' }).seedUsers).toHaveLength(2);
    expect(load({ MCP_ENV: 'production', AUTH__SECRET: 'x'.repeat(32) }).seedUsers).toEqual([]);
  });

  it('rejects a DATABASE_URL that is not PostgreSQL, and a short AUTH__SECRET', () => {
    expect(() => load({ DATABASE_URL: 'mysql://db/x', AUTH__SECRET: 'short' })).toThrow(ConfigError);
    try {
      load({ DATABASE_URL: 'mysql://db/x', AUTH__SECRET: 'short' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'databaseUrl = "mysql://db/x" (from env DATABASE_URL): expected a postgres:// or postgresql:// URL',
        expect.stringMatching(/^auth\.secret = "short" \(from env AUTH__SECRET\): Too small/),
      ]);
    }
  });
});

describe('productionProblems', () => {
  it('requires a secret or a JWKS URL in production, and no seeded users', () => {
    const production = load({ MCP_ENV: 'production' });
    expect(productionProblems(production)).toEqual([
      'auth.secret is required in production (set AUTH__SECRET to at least 32 random characters), or set auth.jwksUrl',
      'databaseUrl is required in production (set DATABASE_URL): PGlite keeps data inside one pod, on a read-only root filesystem at that',
    ]);
    expect(
      productionProblems({
        ...production,
        databaseUrl: 'postgres://db/x',
        seedUsers: [{ username: 'a', password: 'b' }],
        auth: { ...production.auth, jwksUrl: 'https://idp.example/jwks' },
      }),
    ).toEqual(['seedUsers must be empty in production: seeded passwords are for development and test only']);
    expect(productionProblems(load({ MCP_ENV: 'development' }))).toEqual([]);
  });
});
