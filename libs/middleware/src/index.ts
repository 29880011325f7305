export { authConfigSchema, authProductionProblems, tokenSettings, type AuthConfig } from './auth-config';
export {
  auth,
  createTokenIssuer,
  createTokenVerifier,
  InvalidTokenError,
  KeysUnavailableError,
  scopeProblem,
  type IssuedToken,
  type TokenOptions,
  type TokenVerifier,
} from './auth';
export { compose } from './compose';
export {
  access,
  accessOf,
  declaredAccess,
  callerFromAuthInfo,
  principalOf,
  callerOf,
  clientAddressOf,
  CLIENT_ADDRESS_HEADER,
  requestIdOf,
  type Access,
  type CallContext,
  type Caller,
  type CallKind,
  type LogSink,
  type Middleware,
} from './context';
export { AccessError, ConflictError, errors, NotFoundError, outcomeOfError, PublicError, RateLimitError, TimeoutError } from './errors';
export {
  MAX_LIMITER_KEYS,
  memoryStore,
  rateLimit,
  rateLimitConfigSchema,
  rateLimitError,
  type LimiterStore,
  type RateLimitOptions,
} from './rate-limit';
export { redactSecrets } from './redact';
export { isErrorResult, reportedOutcome, reportOutcome, settle, type CallOutcome } from './outcome';
export { requestLogging, type RequestLoggingOptions } from './request-logging';
export { standardChain, type StandardChainOptions } from './standard-chain';
export { timeout, type TimeoutOptions } from './timeout';
export { withMiddleware } from './with-middleware';
export { structuredResult, textResult } from './results';
