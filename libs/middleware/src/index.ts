export { auth, createTokenIssuer, createTokenVerifier, InvalidTokenError, type IssuedToken, type TokenOptions, type TokenVerifier } from './auth';
export { callMetrics } from './call-metrics';
export { compose } from './compose';
export {
  access,
  accessOf,
  callerFromAuthInfo,
  callerOf,
  requestIdOf,
  type Access,
  type CallContext,
  type Caller,
  type CallKind,
  type LogSink,
  type Middleware,
} from './context';
export { AccessError, ConflictError, errors, NotFoundError, PublicError, RateLimitError, TimeoutError } from './errors';
export { rateLimit, type RateLimitOptions } from './rate-limit';
export { redactSecrets } from './redact';
export { isErrorResult, settle, type CallOutcome } from './outcome';
export { requestLogging, type RequestLoggingOptions } from './request-logging';
export { standardChain, type StandardChainOptions } from './standard-chain';
export { timeout, type TimeoutOptions } from './timeout';
export { withMiddleware } from './with-middleware';
export { structuredResult, textResult } from './results';
