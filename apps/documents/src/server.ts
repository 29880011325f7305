import { AccessError, access, callerOf, clientAddressOf, structuredResult, withMiddleware, type Middleware } from '@mcp-fleet/middleware';
import type { Notifier } from '@mcp-fleet/runtime';
import { McpServer, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import packageJson from '../package.json' with { type: 'json' };
import { DOCUMENT_TEMPLATE, documentUri, readDocument } from './resources/document';
import { PROFILE_URI, readProfile } from './resources/profile';
import type { DocumentRepository } from './store/repository';
import { SCOPES, type OwnerContext } from './tools/context';
import { createDocument, createDocumentInput, createDocumentOutput } from './tools/create-document';
import { deleteDocument, deleteDocumentInput, deleteDocumentOutput } from './tools/delete-document';
import { listDocuments, listDocumentsInput, listDocumentsOutput } from './tools/list-documents';
import { login, loginInput, loginOutput, type LoginDeps } from './tools/login';
import { updateDocument, updateDocumentInput, updateDocumentOutput } from './tools/update-document';

export interface DocumentsDeps extends LoginDeps {
  repo: DocumentRepository;
  /** The service's chain (standardChain with auth in main.ts). */
  middleware: Middleware[];
  /**
   * Whose ids the tokens' subjects are: this service's own users' (its login tool signs them; the default), or an
   * identity provider's, each made a user here on first sight.
   */
  subjects?: 'own' | 'provider';
  /** Where changes are told to subscriptions/listen streams, each only its owner's (notifierOf the service's bus). */
  notify?: Notifier;
}

/** The longest issuer and subject kept for a provider's user (OIDC allows a subject of 255 ASCII characters). */
const MAX_ISSUER = 2048;
const MAX_SUBJECT = 255;

const read = access({ scopes: [SCOPES.read] });
const write = access({ scopes: [SCOPES.write] });

/** The documents service. Pure: every dependency comes in through deps. */
export function createServer(deps: DocumentsDeps): McpServer {
  // Clients may subscribe to a document (resources/updated) and to the list of theirs (list_changed).
  const server = withMiddleware(
    new McpServer(
      { name: 'documents', version: packageJson.version },
      { capabilities: { resources: { subscribe: true, listChanged: true } } },
    ),
    deps.middleware,
  );
  const owner = async (sdk: ServerContext): Promise<OwnerContext> => {
    const caller = callerOf(sdk);
    // The auth middleware refuses anonymous calls first; this holds even in a chain without it.
    if (!caller) throw new AccessError('authentication required');
    if (deps.subjects !== 'provider') return { repo: deps.repo, ownerId: caller.id };
    const issuer = caller.claims.iss;
    if (typeof issuer !== 'string' || issuer.length > MAX_ISSUER || caller.id.length > MAX_SUBJECT)
      throw new AccessError(`the token must name its issuer (iss) and a subject (sub) of at most ${MAX_SUBJECT} characters`);
    return { repo: deps.repo, ownerId: await deps.repo.userForIdentity(issuer, caller.id) };
  };
  const json = (uri: URL, value: unknown) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(value) }] });

  server.registerTool(
    'login',
    {
      title: 'Log in',
      description: 'Trades a username and password for a bearer token.',
      inputSchema: loginInput,
      outputSchema: loginOutput,
      _meta: access({ public: true }),
    },
    async (input, sdk) => structuredResult({ ...(await login(input, deps, clientAddressOf(sdk))) }),
  );
  server.registerTool(
    'create_document',
    {
      title: 'Create a document',
      description: 'Creates a document owned by the caller; returns its id and version 1.',
      inputSchema: createDocumentInput,
      outputSchema: createDocumentOutput,
      _meta: write,
    },
    async (input, sdk) => {
      const created = await createDocument(input, await owner(sdk));
      deps.notify?.resourcesChanged(callerOf(sdk));
      return structuredResult(created);
    },
  );
  server.registerTool(
    'update_document',
    {
      title: 'Update a document',
      description:
        'Changes the title and/or content. Pass the version you read to refuse the write if someone else wrote since (optimistic concurrency).',
      inputSchema: updateDocumentInput,
      outputSchema: updateDocumentOutput,
      _meta: write,
    },
    async (input, sdk) => {
      const updated = await updateDocument(input, await owner(sdk));
      deps.notify?.resourceUpdated(documentUri(updated.id), callerOf(sdk));
      return structuredResult(updated);
    },
  );
  server.registerTool(
    'delete_document',
    {
      title: 'Delete a document',
      description: "Deletes one of the caller's documents.",
      inputSchema: deleteDocumentInput,
      outputSchema: deleteDocumentOutput,
      _meta: write,
      annotations: { destructiveHint: true },
    },
    async (input, sdk) => {
      const deleted = await deleteDocument(input, await owner(sdk));
      deps.notify?.resourceUpdated(documentUri(input.id), callerOf(sdk));
      deps.notify?.resourcesChanged(callerOf(sdk));
      return structuredResult(deleted);
    },
  );
  server.registerTool(
    'list_documents',
    {
      title: 'List documents',
      description: "The caller's documents, oldest first, a page at a time.",
      inputSchema: listDocumentsInput,
      outputSchema: listDocumentsOutput,
      _meta: read,
      annotations: { readOnlyHint: true },
    },
    async (input, sdk) => structuredResult(await listDocuments(input, await owner(sdk))),
  );

  server.registerResource(
    'document',
    new ResourceTemplate(DOCUMENT_TEMPLATE, { list: undefined }),
    { title: 'A document', description: "One of the caller's documents as JSON.", mimeType: 'application/json', _meta: read },
    async (uri, { id }, sdk) => json(uri, await readDocument(String(id), await owner(sdk))),
  );
  server.registerResource(
    'profile',
    PROFILE_URI,
    { title: 'My profile', description: 'The calling user and how many documents they have.', mimeType: 'application/json', _meta: read },
    async (uri, sdk) => json(uri, await readProfile(await owner(sdk))),
  );
  return server;
}
