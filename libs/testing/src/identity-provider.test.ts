import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentityProvider, type IdentityProvider } from './identity-provider';

const REDIRECT = 'http://127.0.0.1:1/callback';
const RESOURCE = 'http://127.0.0.1:2/mcp';
let idp: IdentityProvider;

beforeAll(async () => {
  idp = await startIdentityProvider({ scopes: ['notes:read', 'notes:write'], clients: [{ clientId: 'app', redirectUri: REDIRECT }] });
  idp.allow(RESOURCE, ['notes:read', 'notes:write']);
});
afterAll(() => idp.close());

/** An authorization code flow with PKCE by hand: the token endpoint's answer. */
async function codeFlow(scope: string, resource: string, account?: string): Promise<Record<string, string>> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL(`${idp.issuer}/auth`);
  const params = {
    client_id: 'app',
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope,
    resource,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const back = await idp.authorize(url, account);
  if (!back.searchParams.has('code')) return Object.fromEntries(back.searchParams);
  expect(back.origin + back.pathname).toBe(REDIRECT);
  const response = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: 'app',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
      resource,
    }),
  });
  return (await response.json()) as Record<string, string>;
}

describe('startIdentityProvider', () => {
  it('publishes its metadata and keys on loopback', async () => {
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ issuer: idp.issuer, jwks_uri: idp.jwksUrl, code_challenge_methods_supported: ['S256'] });
    expect(idp.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('signs a user in and issues a JWT for the resource asked for, with the scopes granted, per account', async () => {
    const token = await codeFlow('notes:read', RESOURCE, 'alice');
    expect(decodeJwt(token.access_token!)).toMatchObject({ iss: idp.issuer, sub: 'alice', aud: RESOURCE, scope: 'notes:read' });
    expect(decodeJwt((await codeFlow('notes:read notes:write', RESOURCE)).access_token!)).toMatchObject({
      sub: 'testuser',
      scope: 'notes:read notes:write',
    });
  });

  it('refuses a resource it was not told of', async () => {
    expect(await codeFlow('notes:read', 'https://elsewhere.example.com/mcp')).toMatchObject({ error: 'invalid_target' });
  });

  it('signs with a new key after a rotation and still publishes the old one', async () => {
    const before = decodeProtectedHeader((await codeFlow('notes:read', RESOURCE)).access_token!).kid;
    await idp.rotateKeys();
    const after = decodeProtectedHeader((await codeFlow('notes:read', RESOURCE)).access_token!).kid;
    expect(after).not.toBe(before);
    const { keys } = (await (await fetch(idp.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(keys.map((key) => key.kid)).toEqual([after, before]);
  });
});
