import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { errors, type Configuration } from 'oidc-provider';

/** A real OpenID provider (oidc-provider, OpenID-certified) on loopback, for the tests of an app's authorization. */
export interface IdentityProvider {
  /** Its issuer URL: an app's auth.issuer and auth.authorizationServers. */
  issuer: string;
  /** Where it publishes its signing keys: an app's auth.jwksUrl. */
  jwksUrl: string;
  /** Lets it issue tokens for `resource` (an app's protected-resource URL, their audience) with up to `scopes`. */
  allow(resource: string, scopes: readonly string[]): void;
  /**
   * Plays the user's browser on an authorization URL: follows the provider's redirects, signs in as `account` and
   * consents to what is asked, and returns the URL the provider sends the browser back to (its code, or its error).
   */
  authorize(url: URL | string, account?: string): Promise<URL>;
  /** Signs with a new key from now on and keeps publishing the old one, as a provider rotates its keys. */
  rotateKeys(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts an OpenID provider on 127.0.0.1: dynamic client registration, authorization code with PKCE (required),
 * resource indicators (RFC 8707; JWT access tokens whose audience is the resource), and no login page — `authorize`
 * signs the user in over HTTP as a browser would.
 */
export async function startIdentityProvider(options: {
  /** Every scope it may grant, on any resource: a client registering names the ones it wants. */
  scopes: readonly string[];
  /** Who signs in, unless `authorize` names another. Default "testuser". */
  account?: string;
  /**
   * Public clients registered beforehand (as with Entra ID or Okta), which may ask for any scope; others register
   * themselves (RFC 7591), and may then ask only for the scopes they registered with.
   */
  clients?: { clientId: string; redirectUri: string }[];
}): Promise<IdentityProvider> {
  const resources = new Map<string, readonly string[]>();
  const keys: JWK[] = [await signingKey()];
  const server = createServer((req, res) => void route(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The provider holds its keys from construction: a rotation is a provider started anew on the same address (its
  // clients, grants and sessions live in the library's in-memory store, which outlasts the instance).
  const providerWith = (jwks: JWK[]) => {
    const provider = new Provider(issuer, configuration(jwks, resources, options));
    return { provider, handle: provider.callback() };
  };
  let current = providerWith(keys);
  /** Each account's browser: its cookies, and so its session at the provider. */
  const browsers = new Map<string, Map<string, string>>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.url?.startsWith('/interaction/')) return await finishInteraction(req, res);
      current.handle(req, res);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  }

  /** The login and consent pages, answered at once: the account signs in and grants every scope asked for. */
  async function finishInteraction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { provider } = current;
    const details = await provider.interactionDetails(req, res);
    const account = new URL(req.url!, issuer).searchParams.get('account')!;
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(req, res, { login: { accountId: account } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = details.grantId
      ? (await provider.Grant.find(details.grantId))!
      : new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    const asked = details.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (asked.missingOIDCScope) grant.addOIDCScope(asked.missingOIDCScope);
    for (const [resource, scopes] of Object.entries(asked.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes);
    await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    allow: (resource, scopes) => void resources.set(resource, scopes),
    async authorize(url, account = options.account ?? 'testuser') {
      const cookies = browsers.get(account) ?? browsers.set(account, new Map()).get(account)!;
      let next = new URL(url);
      for (let hop = 0; hop < 10; hop++) {
        if (next.origin !== issuer) return next;
        if (next.pathname.startsWith('/interaction/')) next.searchParams.set('account', account);
        const response = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const line of response.headers.getSetCookie()) {
          const [pair] = line.split(';');
          const at = pair!.indexOf('=');
          cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
        }
        const location = response.headers.get('location');
        if (!location)
          throw new Error(`the provider answered ${response.status} at ${next.pathname}: ${(await response.text()).slice(0, 500)}`);
        await response.body?.cancel();
        next = new URL(location, next);
      }
      throw new Error(`the provider redirected more than 10 times from ${url}`);
    },
    async rotateKeys() {
      keys.unshift(await signingKey());
      current = providerWith(keys);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function signingKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function configuration(
  keys: JWK[],
  resources: Map<string, readonly string[]>,
  { scopes, clients = [] }: Parameters<typeof startIdentityProvider>[0],
): Configuration {
  return {
    jwks: { keys },
    clients: clients.map(({ clientId, redirectUri }) => ({
      client_id: clientId,
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    })),
    cookies: { keys: ['a cookie key for tests only'] },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          const scopes = resources.get(resource);
          if (!scopes) throw new errors.InvalidTarget(`this provider issues no tokens for ${resource}`);
          return { scope: scopes.join(' '), audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 600 };
        },
      },
    },
    scopes: ['openid', 'offline_access', ...scopes],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, Grant: 3600, Interaction: 600, Session: 3600 },
    clientBasedCORS: () => true,
  };
}
