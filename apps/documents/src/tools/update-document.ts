import { ConflictError, NotFoundError, PublicError } from '@mcp-fleet/middleware';
import * as z from 'zod';
import type { OwnerContext } from './context';

export const updateDocumentInput = z.object({
  id: z.string(),
  title: z.string().min(1).max(200).optional(),
  content: z.string().max(1_000_000).optional(),
  version: z.number().int().min(1).optional().describe('The version you read; the update is refused if the document has moved on since.'),
});
export const updateDocumentOutput = z.object({ success: z.literal(true), id: z.string(), version: z.number() });

export async function updateDocument(
  { id, title, content, version }: z.infer<typeof updateDocumentInput>,
  ctx: OwnerContext,
): Promise<z.infer<typeof updateDocumentOutput>> {
  if (title === undefined && content === undefined) throw new PublicError('nothing to update: give a title, a content, or both');
  const outcome = await ctx.repo.update(ctx.ownerId, id, { title, content }, version);
  if (outcome.status === 'not_found') throw new NotFoundError(`document ${id} not found`);
  if (outcome.status === 'conflict') {
    throw new ConflictError(
      `version conflict: document ${id} is at version ${outcome.currentVersion}, not ${version}; nothing was written. Read it again and retry with version ${outcome.currentVersion}`,
    );
  }
  return { success: true, id, version: outcome.document.version };
}
