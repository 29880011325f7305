import { writeSync } from 'node:fs';
import { redactSecrets } from '@mcp-fleet/middleware';
import { pino, type DestinationStream, type Logger } from 'pino';
import { traceFields } from './tracing';

export type { Logger } from 'pino';

export interface LoggerOptions {
  service: string;
  level: string;
  /** Defaults to stdout; stdio-transport services log to stderr (fd 2) because stdout carries the protocol. */
  destination?: DestinationStream | number;
  /** With tracing on: a line written inside a span carries its trace_id and span_id. */
  traced?: boolean;
}

/**
 * One JSON line per event. Lines about a request carry its `requestId` explicitly: the runtime's and the
 * pipeline's do, and a handler gets it from its context (requestIdOf in @mcp-fleet/middleware). No
 * AsyncLocalStorage: on Node 20 its promise hooks cost a large part of a bare call's CPU.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = typeof options.destination === 'object' ? options.destination : bufferedDestination(options.destination ?? 1);
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: isoTime,
      ...(options.traced && { mixin: traceFields }),
      // Tokens and passwords never reach a log line, whatever object they arrive in. (Not pino's own wildcard
      // redaction, which costs more a line.)
      formatters: { level: (label) => ({ level: label }), log: (object) => redactSecrets(object) },
    },
    destination,
  );
}

let lastMs = -1;
let lastTime = '';
/** pino's isoTime, with the string made once per millisecond: a busy service writes several lines in one. */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** A batch: each write to a pipe wakes its reader, which costs more than the copy (16 KiB batches: ~0.8 µs a line). */
export const BATCH_CHARS = 65_536;

/**
 * Log lines gathered into writes of about BATCH_CHARS instead of one system call each (a write per line is a
 * system call per request), written out at least every 200 ms, and flushed when the process exits for any reason
 * — exit(), a signal handled by serve(), or an uncaught exception — so nothing written before is lost.
 *
 * Not pino.destination (sonic-boom 4.2): for every line it measures the byte length of all it holds, which was
 * the largest single cost of a bench call; gathering here measures nothing twice. Written synchronously, as Node
 * writes its own stdout to a pipe on Linux; what a full non-blocking pipe does not take waits for the next flush.
 */
export class BatchedWriter implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;
  /** Bytes a full pipe did not take, ahead of the lines. */
  private unwritten?: Buffer;

  constructor(private readonly fd: number) {}

  write(line: string): void {
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= BATCH_CHARS) this.flush();
  }

  /** Writes out what it holds, as far as the reader takes it now; `done` (pino's logger.flush) is called after. */
  flush(done?: (error?: Error) => void): void {
    if (this.chars === 0 && !this.unwritten) return done?.();
    const text = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    // Written as text in the usual case; as bytes only when a full pipe has left some behind.
    let rest = this.unwritten && Buffer.concat([this.unwritten, Buffer.from(text)]);
    this.unwritten = undefined;
    try {
      if (!rest) {
        const written = writeSync(this.fd, text);
        if (written < Buffer.byteLength(text)) rest = Buffer.from(text).subarray(written);
      }
      while (rest && rest.length > 0) rest = rest.subarray(writeSync(this.fd, rest));
    } catch (error) {
      // EAGAIN: kept for the next flush. Anything else (EPIPE: the reader is gone) leaves nowhere to write to.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') this.unwritten = rest ?? Buffer.from(text);
    }
    done?.();
  }

  /** Flushes, waiting out a full pipe for up to `ms` (the process is about to exit). */
  flushBeforeExit(ms: number): void {
    const deadline = Date.now() + ms;
    this.flush();
    while (this.unwritten && Date.now() < deadline) {
      Atomics.wait(PAUSE, 0, 0, 10);
      this.flush();
    }
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

function bufferedDestination(fd: number): DestinationStream {
  const destination = new BatchedWriter(fd);
  // A quiet service's lines still show within 200 ms; the timer never keeps the process alive.
  setInterval(() => destination.flush(), 200).unref();
  process.once('exit', () => destination.flushBeforeExit(1000));
  return destination;
}
