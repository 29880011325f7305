import * as z from 'zod';
import type { OwnerContext } from './context';

export const listDocumentsInput = z.object({
  page: z.number().int().min(1).default(1),
  page_size: z.number().int().min(1).max(100).default(10),
});

const documentSchema = z.object({
  id: z.string(),
  title: z.string(),
  content: z.string(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const listDocumentsOutput = z.object({
  items: z.array(documentSchema),
  page: z.number(),
  page_size: z.number(),
  total: z.number(),
  total_pages: z.number(),
});

/** The caller's documents, oldest first; page 10 of 100 at page_size 10 starts with the 91st. */
export async function listDocuments(
  input: z.input<typeof listDocumentsInput>,
  ctx: OwnerContext,
): Promise<z.infer<typeof listDocumentsOutput>> {
  const { page, page_size } = listDocumentsInput.parse(input);
  const { items, total } = await ctx.repo.list(ctx.ownerId, (page - 1) * page_size, page_size);
  return { items, page, page_size, total, total_pages: Math.ceil(total / page_size) };
}
