import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import type { McpServerFactory } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

export type ProtocolEra = 'modern' | 'legacy';

export interface TestClient {
  client: Client;
  close(): Promise<void>;
}

/**
 * An SDK v2 client wired to a server factory in the same process, through the real protocol: the same era
 * negotiation and serialization as over HTTP, without a socket. `modern` speaks 2026-07-28, `legacy` the
 * 2025 handshake, so one test can cover both eras.
 */
export async function createTestClient(factory: McpServerFactory, options: { era?: ProtocolEra } = {}): Promise<TestClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const served = serveStdio(factory, { transport: serverSide });
  const mode = (options.era ?? 'modern') === 'modern' ? { pin: '2026-07-28' } : 'legacy';
  const client = new Client({ name: 'mcp-fleet-test', version: '0' }, { versionNegotiation: { mode } });
  await client.connect(clientSide);
  return {
    client,
    async close() {
      await client.close();
      await served.close();
    },
  };
}
