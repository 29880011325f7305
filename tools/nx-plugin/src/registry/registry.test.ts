import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readApp, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { describe, expect, it } from 'vitest';
import { environmentHost, SERVER_SCHEMA, serverJson } from './index';

const root = workspaceRoot();
const component = (environment: string) => readFileSync(join(root, 'deploy/environments', environment, 'kustomization.yaml'), 'utf8');
const documents = readApp(root, 'documents')!;
const input = {
  app: 'documents',
  packageJson: { description: 'Documents per user.', version: '1.2.3' },
  fleet: documents,
  environment: 'production',
};

describe('environmentHost', () => {
  it("reads each environment's Ingress host from its component, with the app's name first", () => {
    expect(environmentHost(component('production'), 'documents')).toBe('documents.mcp.example.com');
    expect(environmentHost(component('staging'), 'text-tools')).toBe('text-tools.staging.example.com');
    expect(environmentHost('kind: Component\n', 'documents')).toBeUndefined();
  });
});

describe('serverJson', () => {
  it('names the remote URL in the environment, the namespace of its domain, and the OAuth metadata of an app with auth', () => {
    const { document } = serverJson({ ...input, host: 'documents.mcp.example.com' });
    expect(document).toEqual({
      $schema: SERVER_SCHEMA,
      name: 'com.example.mcp/documents',
      description: 'Documents per user.',
      version: '1.2.3',
      remotes: [{ type: 'streamable-http', url: 'https://documents.mcp.example.com/mcp' }],
      _meta: {
        'io.modelcontextprotocol.registry/publisher-provided': {
          'mcp-fleet': {
            environment: 'production',
            authorization: {
              type: 'oauth2',
              protectedResourceMetadata: 'https://documents.mcp.example.com/.well-known/oauth-protected-resource/mcp',
            },
          },
        },
      },
    });
    const open = serverJson({ ...input, fleet: { ...documents, auth: 'none' }, host: 'documents.mcp.example.com' }).document!;
    expect(open._meta['io.modelcontextprotocol.registry/publisher-provided']).toEqual({ 'mcp-fleet': { environment: 'production' } });
  });

  it('refuses what the registry would, naming the field, the value and where it comes from', () => {
    expect(
      serverJson({ ...input, packageJson: { description: 'x'.repeat(101), version: '^1.0.0' }, host: 'documents.mcp.example.com' })
        .problems,
    ).toEqual([
      `apps/documents production server.json description is "${'x'.repeat(101)}": Too big: expected string to have <=100 characters (from its package.json description)`,
      'apps/documents production server.json version is "^1.0.0": must be one version, not a range (from its package.json version)',
    ]);
    expect(serverJson({ ...input, host: 'localhost' }).problems).toEqual([
      `apps/documents production server.json name is "/documents": must be reverse-DNS/name, e.g. com.example.mcp/documents (from the environment's Ingress host)`,
    ]);
  });
});
