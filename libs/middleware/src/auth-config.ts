import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import type { TokenOptions } from './auth';

/** The `auth` key of a service's config schema: where its tokens' keys come from, and what the tokens must say. */
export const authConfigSchema = (service: string) =>
  z
    .strictObject({
      /** HS256 secret the service signs and checks its own tokens with; only ever from AUTH__SECRET. */
      secret: z.string().min(32).optional(),
      /** An identity provider's JWKS, for tokens the service does not issue itself. */
      jwksUrl: z.url().optional(),
      issuer: z.string().min(1).default(`mcp-fleet/${service}`),
      /**
       * An audience its tokens may name besides its resource URL (RFC 8707: tokens for this server only); with
       * `resource` set, that URL instead. The login tool's tokens name it.
       */
      audience: z.string().min(1).default(service),
      /**
       * The service's canonical URL as an OAuth protected resource (MCP authorization, RFC 9728): what clients ask
       * tokens for. Default (the runtime's): the Host it was reached on + /mcp. Passed to serve() as resourceServer.
       */
      resource: z.url().optional(),
      /** The issuer URLs of the authorization servers clients get tokens from, named in the protected-resource metadata. */
      authorizationServers: z.array(z.url()).default([]),
      tokenTtlSec: z.number().int().positive().default(3600),
      clockToleranceSec: z.number().int().min(0).default(30),
      /** With jwksUrl: how soon after one fetch of the keys a token naming an unknown key (a rotation) fetches them again. */
      jwksCooldownSec: z.number().int().min(0).max(3600).default(30),
    })
    .prefault({});

export type AuthConfig = z.infer<ReturnType<typeof authConfigSchema>>;

/** What production must have: a secret or a JWKS URL; empty when it has one, or elsewhere. */
export function authProductionProblems(auth: AuthConfig, environment: string): string[] {
  if (environment !== 'production' || auth.secret || auth.jwksUrl) return [];
  return ['auth.secret is required in production (set AUTH__SECRET to at least 32 random characters), or set auth.jwksUrl'];
}

/**
 * The token settings a service starts with. Without a secret or a JWKS URL (development, tests) a random secret
 * stands in, and `warn` says that its tokens end with the process.
 */
export function tokenSettings(auth: AuthConfig, warn: (message: string) => void): TokenOptions & { ttlSec: number } {
  const settings = { ...auth, audience: auth.resource ?? auth.audience, ttlSec: auth.tokenTtlSec };
  if (auth.secret || auth.jwksUrl) return settings;
  warn('auth.secret is not set (AUTH__SECRET): using a random secret, so tokens end with this process');
  return { ...settings, secret: randomBytes(32).toString('base64url') };
}
