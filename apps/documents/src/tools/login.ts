import { AccessError, PublicError, type IssuedToken } from '@mcp-fleet/middleware';
import * as z from 'zod';
import type { LoginLimits } from '../login-limits';
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
  /** Limits on failed logins; without them, guessing is limited only by the call rate limit. */
  loginLimits?: LoginLimits;
  /** Absent when tokens come from an identity provider (auth.jwksUrl) instead. */
  issueToken?: (subject: string, scopes: string[]) => Promise<IssuedToken>;
}

// Checked against when the user does not exist, so that a wrong name costs as long as a wrong password.
let decoy: Promise<string> | undefined;

/** `from` is the client's address, for the failed-login limits. */
export async function login({ username, password }: z.infer<typeof loginInput>, deps: LoginDeps, from = 'unknown'): Promise<IssuedToken> {
  if (!deps.issueToken) throw new PublicError('login is disabled: this deployment takes tokens from its identity provider (auth.jwksUrl)');
  await deps.loginLimits?.check(username, from);
  const user = await deps.repo.findUser(username);
  const valid = await verifyPassword(password, user?.password_hash ?? (await (decoy ??= hashPassword('decoy'))));
  if (!user || !valid) {
    await deps.loginLimits?.failed(username, from);
    throw new AccessError('invalid username or password');
  }
  await deps.loginLimits?.succeeded(username, from);
  return deps.issueToken(user.id, [SCOPES.read, SCOPES.write]);
}
