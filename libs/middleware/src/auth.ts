import type { AuthInfo } from '@modelcontextprotocol/server';
import { createRemoteJWKSet, errors as jose, jwtVerify, SignJWT } from 'jose';
import type { Access, CallContext, Middleware } from './context';
import { AccessError } from './errors';

export interface TokenOptions {
  /** HS256 shared secret, for a service that issues its own tokens (at least 32 characters). */
  secret?: string;
  /** JWKS URL of an identity provider, for real deployments (RS256, ES256, PS256, EdDSA). */
  jwksUrl?: string;
  issuer: string;
  audience: string;
  /** Allowed clock difference when checking exp and nbf. */
  clockToleranceSec?: number;
  /** With jwksUrl: the least time between two fetches of the keys, so that tokens naming unknown keys cannot flood the provider. */
  jwksCooldownSec?: number;
}

/** A bearer token that was present but not acceptable; its message says why, for the 401's error_description. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * The token could not be checked because the identity provider's keys (auth.jwksUrl) could not be fetched: the
 * service's problem, not the client's, so it is answered 503 with Retry-After, never 401.
 */
export class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
  /** When a client should try again; jose fetches the keys anew on the next call. */
  readonly retryAfterSec = 5;
}

/** How long a verified token is taken again without checking its signature, and the provider's keys kept, at most. */
const REVERIFY_MS = 60_000;
/** The most verified tokens remembered at once. */
const MAX_VERIFIED = 10_000;

/**
 * Checks a bearer token; `resource` is the URL the request reached the service as (its protected resource, RFC
 * 9728), an audience the token may name besides `audience`.
 */
export type TokenVerifier = (token: string, resource?: string) => Promise<AuthInfo>;

/** Verifies a JWT's signature, algorithm, issuer, audience, expiry and not-before; `alg: none` never passes. */
export function createTokenVerifier(options: TokenOptions): TokenVerifier {
  const key = options.jwksUrl
    ? createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: (options.jwksCooldownSec ?? 30) * 1000, cacheMaxAge: REVERIFY_MS })
    : secretKey(options.secret);
  const algorithms = options.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  // A client sends the same token on call after call: one that verified is taken again without the signature's
  // cost, for the same resource, until it expires or REVERIFY_MS pass; the provider's keys are fetched anew as
  // often, so a key it withdrew stops working within that. Only tokens that verified get in; the map starts over
  // when full.
  const verified = new Map<string, { info: AuthInfo; until: number }>();
  return async (token, resource) => {
    const remembered = resource === undefined ? token : `${resource} ${token}`;
    const known = verified.get(remembered);
    if (known && known.until > Date.now()) return known.info;
    try {
      const { payload } = await jwtVerify(token, key, {
        issuer: options.issuer,
        audience: resource && resource !== options.audience ? [options.audience, resource] : options.audience,
        algorithms,
        clockTolerance: options.clockToleranceSec ?? 30,
        requiredClaims: ['sub', 'exp'],
      });
      const info: AuthInfo = { token, clientId: payload.sub!, scopes: scopesOf(payload), expiresAt: payload.exp, extra: { ...payload } };
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(remembered, { info, until: Math.min(payload.exp! * 1000, Date.now() + REVERIFY_MS) });
      return info;
    } catch (error) {
      if (options.jwksUrl && keysUnreachable(error)) {
        throw new KeysUnavailableError(`the identity provider's keys (auth.jwksUrl) could not be fetched: ${(error as Error).message}`);
      }
      throw new InvalidTokenError(describe(error));
    }
  };
}

/**
 * The scopes a token grants: `scope`, a space-separated string (RFC 9068; Auth0, Keycloak, our own tokens), or
 * `scp`, which Okta writes as an array and Entra ID as a space-separated string.
 */
function scopesOf(payload: Record<string, unknown>): string[] {
  const granted = typeof payload.scope === 'string' ? payload.scope : payload.scp;
  const list = typeof granted === 'string' ? granted.split(' ') : Array.isArray(granted) ? granted : [];
  return list.filter((scope): scope is string => typeof scope === 'string' && scope !== '');
}

/** A failure to fetch the JWKS (refused, timed out, not 200, not a key set), as opposed to a bad token. */
function keysUnreachable(error: unknown): boolean {
  if (error instanceof jose.JWKSTimeout || error instanceof jose.JWKSInvalid) return true;
  if (error instanceof TypeError) return true; // fetch failed: refused, reset, DNS
  return error instanceof jose.JOSEError && error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message);
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** Signs HS256 tokens that createTokenVerifier with the same options accepts. */
export function createTokenIssuer(options: TokenOptions & { ttlSec: number }): (subject: string, scopes: string[]) => Promise<IssuedToken> {
  const key = secretKey(options.secret);
  return async (subject, scopes) => {
    const accessToken = await new SignJWT({ scope: scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(subject)
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt()
      .setExpirationTime(`${options.ttlSec}s`)
      .sign(key);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: options.ttlSec };
  };
}

/**
 * Refuses a call before its handler unless it is public or the caller's token carries every scope it declares.
 * Discovery (the list methods) never reaches the pipeline, so it stays open.
 */
export function auth(): Middleware {
  return (ctx, next) => {
    const refusal = ctx.access.public ? undefined : refusalOf(ctx);
    // next()'s own promise, not an async function's around it: that would take two more microtask turns.
    return refusal ? Promise.reject(refusal) : next();
  };
}

/** Why a call that is not public may not run: no caller, or a scope its token lacks. */
function refusalOf(ctx: CallContext): AccessError | undefined {
  if (!ctx.caller) return new AccessError(`authentication required: ${ctx.kind} ${ctx.name} needs an Authorization: Bearer <token> header`);
  const problem = scopeProblem(ctx.kind, ctx.name, ctx.access, ctx.caller.scopes);
  return problem ? new AccessError(`forbidden: ${problem}`) : undefined;
}

/** What a caller granted `granted` lacks to call it ("tool write needs the scope docs:write"), or undefined. */
export function scopeProblem(kind: string, name: string, access: Access, granted: readonly string[]): string | undefined {
  const missing = access.scopes.filter((scope) => !granted.includes(scope));
  return missing.length > 0 ? `${kind} ${name} needs the scope ${missing.join(', ')}` : undefined;
}

function secretKey(secret: string | undefined): Uint8Array {
  if (!secret || secret.length < 32) {
    throw new Error('auth: a secret of at least 32 characters is required (auth.secret, AUTH__SECRET), or set auth.jwksUrl');
  }
  return new TextEncoder().encode(secret);
}

function describe(error: unknown): string {
  if (error instanceof jose.JWTExpired) return 'the token has expired';
  if (error instanceof jose.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not accepted (${error.message})`;
  if (error instanceof jose.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this service does not accept';
  if (error instanceof jose.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof jose.JWKSNoMatchingKey) return 'no key of the identity provider matches the token';
  return 'the token is malformed';
}
