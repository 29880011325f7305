import { NotFoundError } from '@mcp-fleet/middleware';
import * as z from 'zod';
import type { OwnerContext } from './context';

export const deleteDocumentInput = z.object({ id: z.string() });
export const deleteDocumentOutput = z.object({ success: z.literal(true) });

export async function deleteDocument({ id }: z.infer<typeof deleteDocumentInput>, ctx: OwnerContext): Promise<{ success: true }> {
  if (!(await ctx.repo.delete(ctx.ownerId, id))) throw new NotFoundError(`document ${id} not found`);
  return { success: true };
}
