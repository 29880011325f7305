import { createServer, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { auth, createTokenIssuer, createTokenVerifier, InvalidTokenError, KeysUnavailableError } from './auth';
import type { CallContext } from './context';
import { AccessError } from './errors';

const options = { secret: 'a-test-secret-that-is-long-enough-0123', issuer: 'test-issuer', audience: 'test-audience' };
const verify = createTokenVerifier(options);
const issue = createTokenIssuer({ ...options, ttlSec: 60 });
const key = new TextEncoder().encode(options.secret);

function token(claims: { sub?: string; iss?: string; aud?: string; exp?: number }, secret = key): Promise<string> {
  const jwt = new SignJWT({ scope: 'documents:read' }).setProtectedHeader({ alg: 'HS256' });
  if (claims.sub) jwt.setSubject(claims.sub);
  jwt.setIssuer(claims.iss ?? options.issuer).setAudience(claims.aud ?? options.audience);
  jwt.setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 60);
  return jwt.sign(secret);
}

describe('createTokenVerifier', () => {
  it('accepts a token the issuer signed, with its subject and scopes', async () => {
    const issued = await issue('user-1', ['documents:read', 'documents:write']);
    expect(issued).toMatchObject({ token_type: 'Bearer', expires_in: 60 });
    const info = await verify(issued.access_token);
    expect(info).toMatchObject({ clientId: 'user-1', scopes: ['documents:read', 'documents:write'] });
    expect(info.expiresAt).toBeGreaterThan(Date.now() / 1000);
  });

  it('reads the scopes from `scope`, or from `scp` as Okta (an array) and Entra ID (a string) write them', async () => {
    const signed = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u')
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setExpirationTime('1m')
        .sign(key);
    const scopes = async (claims: Record<string, unknown>) => (await verify(await signed(claims))).scopes;
    expect(await scopes({ scope: 'a b' })).toEqual(['a', 'b']);
    expect(await scopes({ scp: ['a', 'b', 7] })).toEqual(['a', 'b']);
    expect(await scopes({ scp: 'a b' })).toEqual(['a', 'b']);
    expect(await scopes({ scope: 'a', scp: ['b'] })).toEqual(['a']);
    expect(await scopes({})).toEqual([]);
  });

  it.each([
    [
      'a bad signature',
      () => token({ sub: 'u' }, new TextEncoder().encode('another-secret-that-is-long-enough-xx')),
      'the token signature does not verify',
    ],
    ['an expired token', () => token({ sub: 'u', exp: Math.floor(Date.now() / 1000) - 120 }), 'the token has expired'],
    [
      'the wrong audience',
      () => token({ sub: 'u', aud: 'someone-else' }),
      'the token\'s "aud" claim is not accepted (unexpected "aud" claim value)',
    ],
    ['the wrong issuer', () => token({ sub: 'u', iss: 'evil' }), 'the token\'s "iss" claim is not accepted (unexpected "iss" claim value)'],
    ['no subject', () => token({}), 'the token\'s "sub" claim is not accepted (missing required "sub" claim)'],
    [
      'alg: none',
      async () => new UnsecuredJWT({ sub: 'u' }).setIssuer(options.issuer).setAudience(options.audience).setExpirationTime('1h').encode(),
      'the token is signed with an algorithm this service does not accept',
    ],
    ['garbage', async () => 'not.a.jwt', 'the token is malformed'],
  ])('refuses %s, saying why', async (_case, make, reason) => {
    await expect(verify(await make())).rejects.toThrow(reason);
  });

  it('accepts the resource URL the request came to as an audience too, and no other', async () => {
    const resource = 'https://docs.example.com/mcp';
    const forResource = await token({ sub: 'u', aud: resource });
    expect((await verify(forResource, resource)).clientId).toBe('u');
    expect((await verify(await token({ sub: 'u' }), resource)).clientId).toBe('u');
    await expect(verify(forResource)).rejects.toThrow('"aud" claim is not accepted');
    await expect(verify(forResource, 'https://text-tools.example.com/mcp')).rejects.toThrow('"aud" claim is not accepted');
  });

  it('insists on a secret long enough to be one', () => {
    expect(() => createTokenVerifier({ ...options, secret: 'short' })).toThrow('auth: a secret of at least 32 characters is required');
  });
});

describe('auth middleware', () => {
  const run = (ctx: Partial<CallContext>) =>
    auth()(
      { kind: 'tool', name: 'create_document', access: { public: false, scopes: ['documents:write'] }, ...ctx } as CallContext,
      async () => 'handled',
    );

  it('lets public calls through without a token', async () => {
    expect(await run({ name: 'login', access: { public: true, scopes: [] } })).toBe('handled');
  });

  it('refuses a call without a caller before the handler', async () => {
    await expect(run({})).rejects.toThrow(
      new AccessError('authentication required: tool create_document needs an Authorization: Bearer <token> header'),
    );
  });

  it('refuses a caller without the declared scope, and passes one with it', async () => {
    await expect(run({ caller: { id: 'u', scopes: ['documents:read'], claims: {} } })).rejects.toThrow(
      'forbidden: tool create_document needs the scope documents:write',
    );
    expect(await run({ caller: { id: 'u', scopes: ['documents:write'], claims: {} } })).toBe('handled');
  });
});

describe('createTokenVerifier with a JWKS URL', () => {
  it.each([
    ['answers 500', (res: ServerResponse) => res.writeHead(500).end()],
    [
      'answers something that is not a key set',
      (res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"nope":1}'),
    ],
  ])('says the keys are unavailable (not that the token is bad) when the provider %s', async (_, answer) => {
    const idp = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    try {
      const verifyRemote = createTokenVerifier({
        jwksUrl: `http://127.0.0.1:${(idp.address() as { port: number }).port}/jwks`,
        issuer: 'idp',
        audience: 'a',
      });
      const { privateKey } = await generateKeyPair('RS256');
      const jwt = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('u')
        .setIssuer('idp')
        .setAudience('a')
        .setExpirationTime('1h')
        .sign(privateKey);
      await expect(verifyRemote(jwt)).rejects.toBeInstanceOf(KeysUnavailableError);
      // A token that is malformed is the client's problem whatever the provider does.
      await expect(verifyRemote('not.a.token')).rejects.toBeInstanceOf(InvalidTokenError);
    } finally {
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});

describe('createTokenVerifier remembering what verified', () => {
  it('takes a verified token again without its signature for up to a minute, never past its expiry or for another resource', async () => {
    const key = async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      return { ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid: crypto.randomUUID(), alg: 'RS256' } };
    };
    const [first, second] = [await key(), await key()];
    let published = [first.jwk];
    const idp = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })),
    );
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const verifyRemote = createTokenVerifier({
        jwksUrl: `http://127.0.0.1:${(idp.address() as { port: number }).port}/jwks`,
        issuer: 'idp',
        audience: 'app',
        jwksCooldownSec: 0,
      });
      const sign = (expiresIn: string, aud = 'https://a.example.com/mcp') =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'RS256', kid: first.jwk.kid })
          .setSubject('u')
          .setIssuer('idp')
          .setAudience(aud)
          .setExpirationTime(expiresIn)
          .sign(first.privateKey);
      const token = await sign('1h');
      expect((await verifyRemote(token, 'https://a.example.com/mcp')).clientId).toBe('u');
      // The provider withdraws the key: a token it verified is still taken within the minute, and not after it.
      published = [second.jwk];
      expect((await verifyRemote(token, 'https://a.example.com/mcp')).clientId).toBe('u');
      await expect(verifyRemote(token, 'https://b.example.com/mcp')).rejects.toThrow(InvalidTokenError);
      vi.advanceTimersByTime(61_000);
      await expect(verifyRemote(token, 'https://a.example.com/mcp')).rejects.toThrow('no key of the identity provider matches the token');

      published = [first.jwk];
      const shortLived = await sign('30s');
      expect((await verifyRemote(shortLived, 'https://a.example.com/mcp')).clientId).toBe('u');
      vi.advanceTimersByTime(31_000 + 30_000);
      await expect(verifyRemote(shortLived, 'https://a.example.com/mcp')).rejects.toThrow('the token has expired');
    } finally {
      vi.useRealTimers();
      await new Promise((resolve) => idp.close(resolve));
    }
  });
});
