import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** What every log line written while serving one request carries. */
export interface RequestScope {
  requestId: string;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

// Tokens and passwords never reach a log line, whatever object they arrive in.
const REDACTED_PATHS = [
  'password',
  'token',
  'secret',
  'authorization',
  'access_token',
  '*.password',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.access_token',
  '*.headers.authorization',
  '*.headers.cookie',
];

export interface LoggerOptions {
  service: string;
  level: string;
  /** Defaults to stdout; stdio-transport services log to stderr (fd 2) because stdout carries the protocol. */
  destination?: DestinationStream | number;
}

/** One JSON line per event; a line written inside a request carries its `requestId`. */
export function createLogger(options: LoggerOptions): Logger {
  const destination =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ fd: options.destination ?? 1, sync: true });
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const scope = requestScope.getStore();
        return scope ? { requestId: scope.requestId } : {};
      },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
