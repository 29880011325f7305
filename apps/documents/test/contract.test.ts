import {
  createTestMiddleware,
  declaredSurface,
  runInspector,
  startServerProcess,
  surfaceViaInspector,
  type ServerProcess,
} from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/server';
import { DocumentRepository } from '../src/store/repository';
import { openMemoryPglite } from './support/databases';

describe('documents contract, through the MCP Inspector CLI', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: 'documents', env: { DATABASE_URL: undefined, DATA_DIR: 'memory://' } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('lists exactly the tools and resources the app declares, to a client without a token', async () => {
    const repo = await DocumentRepository.open(await openMemoryPglite());
    const declared = await declaredSurface(() => createServer({ repo, middleware: createTestMiddleware().middleware }));
    await repo.close();
    expect(declared.tools.map((tool) => tool.name)).toEqual([
      'create_document',
      'delete_document',
      'list_documents',
      'login',
      'update_document',
    ]);
    expect(declared.resourceTemplates.map((template) => template.uriTemplate)).toEqual(['documents://{id}']);
    expect(await surfaceViaInspector(server.url)).toEqual(declared);
  });

  it('logs in, then calls create_document and list_documents with the token', async () => {
    const login = (await runInspector(server.url, [
      '--method',
      'tools/call',
      '--tool-name',
      'login',
      '--tool-arg',
      'username=testuser',
      '--tool-arg',
      'password=password',
    ])) as {
      structuredContent: { access_token: string };
    };
    const headers = { Authorization: `Bearer ${login.structuredContent.access_token}` };
    const created = await runInspector(
      server.url,
      [
        '--method',
        'tools/call',
        '--tool-name',
        'create_document',
        '--tool-arg',
        'title=Contract',
        '--tool-arg',
        'content=by the Inspector',
      ],
      { headers },
    );
    expect(created).toMatchObject({ structuredContent: { version: 1 } });
    const listed = await runInspector(server.url, ['--method', 'tools/call', '--tool-name', 'list_documents'], { headers });
    expect(listed).toMatchObject({ structuredContent: { total: 1, items: [{ title: 'Contract', content: 'by the Inspector' }] } });
  });
});
