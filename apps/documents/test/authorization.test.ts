import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { serve, type RunningService } from '@mcp-fleet/runtime';
import { lambdaFetch } from '@mcp-fleet/testing';
import { startIdentityProvider, type IdentityProvider } from '@mcp-fleet/testing/identity-provider';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientInformationMixed,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineService, loadDocumentsConfig } from '../src/service';
import { testDatabases } from './support/databases';

// documents against a real OpenID provider: spec-following clients find where to get a token from the 401 alone,
// get one for documents' URL with PKCE, and step up when a call needs more. No browser: the harness signs in.
const SCOPES = ['documents:read', 'documents:write'];
const REDIRECT = 'http://127.0.0.1:1/callback';
const PREREGISTERED = 'mcp-client';
let idp: IdentityProvider;
const running: RunningService[] = [];
const postgres = testDatabases().find((database) => database.name === 'postgres');

beforeAll(async () => {
  idp = await startIdentityProvider({
    scopes: SCOPES,
    clients: [
      { clientId: PREREGISTERED, redirectUri: REDIRECT },
      { clientId: 'oauth4webapi', redirectUri: REDIRECT },
    ],
  });
  // Another app's URL: the provider issues tokens for it too, which documents must not take.
  idp.allow('https://text-tools.example.com/mcp', ['text:use']);
});
afterAll(async () => {
  for (const service of running) await service.shutdown('test over');
  await idp.close();
  await postgres?.drop();
});

/** What points documents at the provider: the settings docs/authorization.md names. */
const providerEnv = () => ({
  MCP_ENV: 'test',
  LOG_LEVEL: 'silent',
  AUTH__ISSUER: idp.issuer,
  AUTH__JWKS_URL: idp.jwksUrl,
  AUTH__AUTHORIZATION_SERVERS: idp.issuer,
  // A rotation is picked up on the first token signed with the new key, not 30 s later.
  AUTH__JWKS_COOLDOWN_SEC: '0',
});

/** documents in this process, its resource URL allowed at the provider; its URL. */
async function startDocuments(env: Record<string, string> = {}): Promise<string> {
  const service = await defineService({ host: 'process', config: loadDocumentsConfig({ ...providerEnv(), ...env }) });
  const started = await serve(service.factory, { ...service, handleSignals: false });
  running.push(started);
  idp.allow(started.url!, SCOPES);
  return started.url!;
}

/** An MCP client app's OAuth side as it would keep it; the user's browser is played by the provider harness. */
class BrowserlessOAuth implements OAuthClientProvider {
  readonly redirectUrl = REDIRECT;
  readonly clientMetadata = {
    client_name: 'mcp-fleet authorization test',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  /** Where the provider sent the browser back to: what the app's callback hands finishAuth. */
  callback = new URLSearchParams();
  /** The scope of each authorization the client started. */
  readonly asked: string[] = [];
  private saved?: OAuthTokens;
  private verifier = '';
  private discovery?: OAuthDiscoveryState;
  /** `clientId`: registered beforehand; without, the client registers itself on first use. */
  constructor(private client?: OAuthClientInformationMixed) {}
  clientInformation = () => this.client;
  saveClientInformation = (client: OAuthClientInformationMixed) => void (this.client = client);
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => void (this.saved = tokens);
  saveCodeVerifier = (verifier: string) => void (this.verifier = verifier);
  codeVerifier = () => this.verifier;
  saveDiscoveryState = (state: OAuthDiscoveryState) => void (this.discovery = state);
  discoveryState = () => this.discovery;
  async redirectToAuthorization(url: URL): Promise<void> {
    this.asked.push(url.searchParams.get('scope') ?? '');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    this.callback = (await idp.authorize(url)).searchParams;
    if (!this.callback.has('code')) throw new Error(`the provider refused: ${this.callback.get('error_description')}`);
  }
}

/** The scopes a token grants, read from the token itself (what documents checks). */
const grantedIn = (tokens: OAuthTokens | undefined) =>
  String((JSON.parse(Buffer.from(tokens!.access_token.split('.')[1]!, 'base64url').toString()) as { scope: string }).scope)
    .split(' ')
    .sort();

/** A tool call's structured result, from either SDK's client. */
type Caller = { callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown> };
const call = async <T>(client: Caller, name: string, args: Record<string, unknown>) =>
  ((await client.callTool({ name, arguments: args })) as { structuredContent: T }).structuredContent;
const list = (client: Caller) => call<{ items: unknown[] }>(client, 'list_documents', {});
const create = (client: Caller, title: string) => call<{ id: string }>(client, 'create_document', { title, content: '' });

describe.each([true, false])('documents with a real OpenID provider, fast lane %s', (fastLane) => {
  let url: string;
  beforeAll(async () => {
    url = await startDocuments({ HTTP__FAST_LANE: String(fastLane) });
  });

  it('the SDK v2 client (2026-07-28) is challenged, discovers, authorizes with PKCE for the resource, and steps up to a scope it lacks', async () => {
    const app = new BrowserlessOAuth({ client_id: PREREGISTERED, issuer: idp.issuer });
    const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: app });
    const client = new Client({ name: 'oauth-v2', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport); // discovery needs no token
    await expect(list(client)).rejects.toThrow(UnauthorizedError); // 401: the client went to authorize
    await transport.finishAuth(app.callback);
    expect(grantedIn(app.tokens())).toEqual(['documents:read']);
    expect((await list(client)).items).toEqual([]);

    await expect(create(client, 'stepped up')).rejects.toThrow(UnauthorizedError); // 403 insufficient_scope
    await transport.finishAuth(app.callback);
    expect(app.asked).toEqual(['documents:read', 'documents:read documents:write']);
    expect(grantedIn(app.tokens())).toEqual(SCOPES);
    const { id } = await create(client, 'stepped up');
    expect((await list(client)).items).toEqual([expect.objectContaining({ id, title: 'stepped up' })]);
    await client.close();
  });

  it('the SDK v1 client (2025 era) registers itself (RFC 7591), authorizes, and is the same user as before', async () => {
    const app = new BrowserlessOAuth();
    const transport = new V1Transport(new URL(url), { authProvider: app });
    const client = new V1Client({ name: 'oauth-v1', version: '0' });
    await client.connect(transport);
    await expect(list(client)).rejects.toThrow('Unauthorized');
    expect(app.clientInformation()?.client_id).toMatch(/.+/);
    await transport.finishAuth(app.callback.get('code')!);
    // The provider's testuser is one user here, whichever client signs in; a provider's user is not the seed's.
    expect((await list(client)).items).toEqual([expect.objectContaining({ title: 'stepped up' })]);
    const profile = JSON.parse(((await client.readResource({ uri: 'users://me/profile' })).contents[0] as { text: string }).text);
    expect(profile).toMatchObject({ username: 'testuser', document_count: 1 });
    await client.close();
  });
});

describe('documents with a real OpenID provider, an independent client (oauth4webapi)', () => {
  let url: string;
  beforeAll(async () => {
    url = await startDocuments();
  });
  const insecure = { [oauth.allowInsecureRequests]: true };
  const client: oauth.Client = { client_id: 'oauth4webapi' };

  /** The whole discovery from a 401, step by step, and a token for `resource` (documents by default). */
  async function tokenFor(scope: string, resource = url, account?: string): Promise<string> {
    const challenged = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_documents', arguments: {} } }),
    });
    expect(challenged.status).toBe(401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenged.headers.get('www-authenticate')!)![1]!;
    expect(metadataUrl).toBe(url.replace('/mcp', '/.well-known/oauth-protected-resource/mcp'));
    const documents = await oauth.processResourceDiscoveryResponse(
      new URL(url),
      await oauth.resourceDiscoveryRequest(new URL(url), insecure),
    );
    expect(documents.scopes_supported).toEqual(SCOPES);
    const issuer = new URL(documents.authorization_servers![0]!);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const verifier = oauth.generateRandomCodeVerifier();
    const authorization = new URL(as.authorization_endpoint!);
    for (const [key, value] of Object.entries({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope,
      resource,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }))
      authorization.searchParams.set(key, value);
    const callback = oauth.validateAuthResponse(as, client, await idp.authorize(authorization, account), oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, REDIRECT, verifier, {
      ...insecure,
      additionalParameters: { resource },
    });
    return (await oauth.processAuthorizationCodeResponse(as, client, response)).access_token;
  }

  const withToken = async (token: string) => {
    const mcp = new Client({ name: 'oauth4webapi', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return mcp;
  };
  /** The status and challenge of a tools/call sent with `token`. */
  const refusal = async (token: string) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_documents', arguments: {} } }),
    });
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  };

  it('runs the discovery from the 401; a token another user gets sees none of the first one’s documents', async () => {
    const alice = await withToken(await tokenFor('documents:read documents:write', url, 'alice'));
    const { id } = await create(alice, 'alice only');
    const bob = await withToken(await tokenFor('documents:read documents:write', url, 'bob'));
    expect((await list(bob)).items).toEqual([]);
    await expect(bob.readResource({ uri: `documents://${id}` })).rejects.toThrow(`document ${id} not found`);
    await alice.close();
    await bob.close();
  });

  it("refuses with 401 a token the same provider issued for another app's URL", async () => {
    const forTextTools = await tokenFor('text:use', 'https://text-tools.example.com/mcp');
    expect(await refusal(forTextTools)).toEqual({
      status: 401,
      challenge: expect.stringContaining('error="invalid_token", error_description="the token\'s \'aud\' claim is not accepted'),
    });
  });

  it("picks up the provider's new signing key after a rotation, and still takes tokens signed with the old one", async () => {
    const before = await tokenFor('documents:read');
    expect((await refusal(before)).status).toBe(200);
    await idp.rotateKeys();
    const after = await tokenFor('documents:read');
    expect(JSON.parse(Buffer.from(after.split('.')[0]!, 'base64url').toString()).kid).not.toBe(
      JSON.parse(Buffer.from(before.split('.')[0]!, 'base64url').toString()).kid,
    );
    expect((await refusal(after)).status).toBe(200);
    expect((await refusal(before)).status).toBe(200);
  });
});

describe.runIf(postgres)('documents as a function with a real OpenID provider', () => {
  // EMF lines go to process.stdout.write; kept out of the test output.
  beforeAll(() => void vi.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => vi.restoreAllMocks());

  it('serves its metadata and challenges; the SDK v2 client authorizes and calls through the handler', async () => {
    const endpoint = new URL('https://abcdefg.lambda-url.us-east-1.on.aws/mcp');
    idp.allow(endpoint.href, SCOPES);
    const databaseUrl = await postgres!.url();
    const { handler } = await createLambdaHandlers(() =>
      defineService({ host: 'lambda', config: loadDocumentsConfig({ ...providerEnv(), DATABASE_URL: databaseUrl }) }),
    );
    const invoke = lambdaFetch(handler);
    // The function's own requests go to the handler; the provider's, over loopback.
    const fetchVia = (async (input: string | URL | Request, init?: RequestInit) =>
      new URL(input instanceof Request ? input.url : input).origin === endpoint.origin
        ? invoke(input, init)
        : fetch(input, init)) as typeof fetch;
    const app = new BrowserlessOAuth({ client_id: PREREGISTERED, issuer: idp.issuer });
    const transport = new StreamableHTTPClientTransport(endpoint, { authProvider: app, fetch: fetchVia });
    const client = new Client({ name: 'oauth-lambda', version: '0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    await expect(create(client, 'from a function')).rejects.toThrow(UnauthorizedError);
    await transport.finishAuth(app.callback);
    expect(grantedIn(app.tokens())).toEqual(['documents:write']);
    expect(await create(client, 'from a function')).toMatchObject({ id: expect.any(String) });
    await client.close();
  });
});
