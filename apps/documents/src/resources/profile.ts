import { NotFoundError } from '@mcp-fleet/middleware';
import type { Profile } from '../store/repository';
import type { OwnerContext } from '../tools/context';

export const PROFILE_URI = 'users://me/profile';

/** The seed's get_user_profile: who the token belongs to, from the database. */
export async function readProfile(ctx: OwnerContext): Promise<Profile> {
  const profile = await ctx.repo.profile(ctx.ownerId);
  if (!profile) throw new NotFoundError('the user of this token no longer exists');
  return profile;
}
