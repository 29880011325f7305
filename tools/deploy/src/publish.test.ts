import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishServerJson } from './publish';

// A registry on loopback answering as the MCP Registry API does; each test says which versions it has.
const requests: { method: string; url: string; authorization?: string; body: string }[] = [];
let known = new Set<string>();
let refuseWith: { status: number; body: string } | undefined;
let registry: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'publish-'));
const file = join(dir, 'server.json');
const entry = `${JSON.stringify({ name: 'com.example.mcp/documents', version: '0.1.0', remotes: [] }, null, 2)}\n`;

beforeAll(async () => {
  registry = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      if (req.method === 'GET') return res.writeHead(known.has(req.url!) ? 200 : 404).end('{}');
      if (refuseWith) return res.writeHead(refuseWith.status).end(refuseWith.body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
});
afterAll(() => {
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  requests.length = 0;
  known = new Set();
  refuseWith = undefined;
  writeFileSync(file, entry);
});

const publish = (overrides: Partial<Parameters<typeof publishServerJson>[0]> = {}) =>
  publishServerJson({ file, registry: url, token: 'registry-token', ...overrides });

describe('publishServerJson', () => {
  it('posts the file as it is, with the token, when the registry lacks that version', async () => {
    expect(await publish()).toEqual({ status: 'published', name: 'com.example.mcp/documents', version: '0.1.0' });
    expect(requests).toEqual([
      { method: 'GET', url: '/v0/servers/com.example.mcp%2Fdocuments/versions/0.1.0', authorization: 'Bearer registry-token', body: '' },
      { method: 'POST', url: '/v0/publish', authorization: 'Bearer registry-token', body: entry },
    ]);
  });

  it('publishes nothing, and does not fail, when the version is there already', async () => {
    known.add('/v0/servers/com.example.mcp%2Fdocuments/versions/0.1.0');
    expect(await publish()).toMatchObject({ status: 'already-published' });
    expect(requests.map((request) => request.method)).toEqual(['GET']);
  });

  it("fails with the registry's own words when it refuses the entry", async () => {
    refuseWith = { status: 422, body: '{"detail":"remote URL must be https"}' };
    expect(await publish()).toEqual({
      status: 'failed',
      problem: 'the registry refused com.example.mcp/documents 0.1.0 with 422: {"detail":"remote URL must be https"}',
    });
  });

  it('sends nothing where the token would travel in the clear, or without a token, file or valid entry', async () => {
    expect(await publish({ registry: 'http://registry.example.com' })).toEqual({
      status: 'failed',
      problem: 'the registry http://registry.example.com is not https: the token would travel in the clear',
    });
    expect(await publish({ registry: 'not a url' })).toMatchObject({ problem: expect.stringContaining('is not a URL') });
    expect(await publish({ token: '' })).toMatchObject({ problem: expect.stringContaining('MCP_REGISTRY_TOKEN is not set') });
    expect(await publish({ file: join(dir, 'missing.json') })).toMatchObject({
      problem: expect.stringContaining('does not exist: run npx nx g @mcp-fleet/nx-plugin:registry'),
    });
    writeFileSync(file, '{ "name": ');
    expect(await publish()).toMatchObject({ problem: expect.stringContaining('is not JSON') });
    writeFileSync(file, '{}');
    expect(await publish()).toMatchObject({ problem: expect.stringContaining('has no name and version') });
    expect(requests).toEqual([]);
  });

  it('fails, naming the registry, when it cannot be reached', async () => {
    expect(await publish({ registry: 'http://127.0.0.1:1' })).toMatchObject({
      status: 'failed',
      problem: expect.stringContaining('the registry http://127.0.0.1:1 could not be reached'),
    });
  });
});
