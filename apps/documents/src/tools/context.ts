import type { DocumentRepository } from '../store/repository';

export const SCOPES = { read: 'documents:read', write: 'documents:write' } as const;

/** What a documents handler works with: the store, and whose documents these are. */
export interface OwnerContext {
  repo: DocumentRepository;
  ownerId: string;
}
