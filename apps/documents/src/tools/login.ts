import { AccessError, PublicError, type IssuedToken } from '@mcp-fleet/middleware';
import * as z from 'zod';
import { hashPassword, verifyPassword } from '../passwords';
import type { DocumentRepository } from '../store/repository';
import { SCOPES } from './context';

export const loginInput = z.object({
  username: z.string().min(1).max(100),
  password: z.string().min(1).max(200),
});
export const loginOutput = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number() });

export interface LoginDeps {
  repo: DocumentRepository;
  /** Absent when tokens come from an identity provider (auth.jwksUrl) instead. */
  issueToken?: (subject: string, scopes: string[]) => Promise<IssuedToken>;
}

// Checked against when the user does not exist, so that a wrong name costs as long as a wrong password.
let decoy: Promise<string> | undefined;

export async function login({ username, password }: z.infer<typeof loginInput>, deps: LoginDeps): Promise<IssuedToken> {
  if (!deps.issueToken) throw new PublicError('login is disabled: this deployment takes tokens from its identity provider (auth.jwksUrl)');
  const user = await deps.repo.findUser(username);
  const valid = await verifyPassword(password, user?.password_hash ?? (await (decoy ??= hashPassword('decoy'))));
  if (!user || !valid) throw new AccessError('invalid username or password');
  return deps.issueToken(user.id, [SCOPES.read, SCOPES.write]);
}
