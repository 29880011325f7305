import * as z from 'zod';
import type { OwnerContext } from './context';

export const createDocumentInput = z.object({
  title: z.string().min(1).max(200),
  content: z.string().max(1_000_000),
});
export const createDocumentOutput = z.object({ id: z.string(), version: z.number() });

export async function createDocument(
  { title, content }: z.infer<typeof createDocumentInput>,
  ctx: OwnerContext,
): Promise<z.infer<typeof createDocumentOutput>> {
  const document = await ctx.repo.create(ctx.ownerId, title, content);
  return { id: document.id, version: document.version };
}
