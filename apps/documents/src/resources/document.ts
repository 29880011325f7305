import { NotFoundError } from '@mcp-fleet/middleware';
import type { Document } from '../store/repository';
import type { OwnerContext } from '../tools/context';

export const DOCUMENT_TEMPLATE = 'documents://{id}';
/** The URI of one document: what a client reads, and subscribes to for its updates. */
export const documentUri = (id: string): string => `documents://${id}`;

/** The caller's document; another user's reads as not found, exactly like one that does not exist. */
export async function readDocument(id: string, ctx: OwnerContext): Promise<Document> {
  const document = await ctx.repo.get(ctx.ownerId, id);
  if (!document) throw new NotFoundError(`document ${id} not found`);
  return document;
}
