import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, type AuthInfo, type McpServerFactory } from '@modelcontextprotocol/server';

export type ProtocolEra = 'modern' | 'legacy';

export interface TestClientOptions {
  /** `modern` (the default) speaks 2026-07-28 with the v2 client; `legacy` the 2025 protocol with the v1 client. */
  era?: ProtocolEra;
  /** Handed to every request, as a bearer token the runtime verified would be. */
  authInfo?: AuthInfo;
}

export interface TestClient {
  /** The v2 client; in the legacy era the v1 client, whose calls (callTool, readResource, …) have the same shape. */
  client: Client;
  era: ProtocolEra;
  /** The revision the server agreed to, e.g. 2026-07-28 or 2025-11-25. */
  protocolVersion: string | undefined;
  close(): Promise<void>;
}

/**
 * An SDK v2 client on the 2026-07-28 protocol, connected over Streamable HTTP to a running service, sending the
 * bearer token with every request when there is one.
 */
export async function connectHttpClient(
  url: string,
  options: { token?: string; name?: string; headers?: Record<string, string> } = {},
): Promise<Client> {
  const client = new Client({ name: options.name ?? 'mcp-fleet-test', version: '0' }, { versionNegotiation: { mode: MODERN } });
  const headers: Record<string, string> = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

const MODERN = { pin: '2026-07-28' };

/**
 * A real SDK client wired to a server factory in the same process: requests go through the SDK's own HTTP entry
 * (createMcpHandler, the handler the runtime mounts) as web Request and Response objects, with no socket. So a
 * test sees the same era routing, serialization and errors as over HTTP, and can act as an authenticated
 * caller — which the stdio-style in-memory entry cannot carry.
 */
export async function createTestClient(factory: McpServerFactory, options: TestClientOptions = {}): Promise<TestClient> {
  const handler = createMcpHandler(factory);
  const url = new URL('http://in-process.test/mcp');
  const fetch = (input: string | URL | Request, init?: RequestInit) =>
    handler.fetch(new Request(input, init), { authInfo: options.authInfo });

  if ((options.era ?? 'modern') === 'legacy') {
    const client = new V1Client({ name: 'mcp-fleet-test', version: '0' });
    const transport = new V1Transport(url, { fetch });
    await client.connect(transport);
    return {
      client: client as unknown as Client,
      era: 'legacy',
      protocolVersion: transport.protocolVersion,
      async close() {
        await client.close();
        await handler.close();
      },
    };
  }
  const client = new Client({ name: 'mcp-fleet-test', version: '0' }, { versionNegotiation: { mode: MODERN } });
  await client.connect(new StreamableHTTPClientTransport(url, { fetch }));
  return {
    client,
    era: 'modern',
    protocolVersion: client.getNegotiatedProtocolVersion(),
    async close() {
      await client.close();
      await handler.close();
    },
  };
}
