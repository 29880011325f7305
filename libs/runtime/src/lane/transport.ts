import type { OutgoingHttpHeaders } from 'node:http';
import {
  ProtocolErrorCode,
  SdkError,
  SdkErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type Transport,
  type TransportSendOptions,
} from '@modelcontextprotocol/server';
import { reportedOutcome } from '@mcp-fleet/middleware';
import { outcomeOfMessage } from '../json-rpc';
import type { Outcome } from '../metrics-contract';
import type { LazyAbort } from './dispatch';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};
const SSE_KEEP_ALIVE_MS = 15_000;

/** One HTTP exchange the lane is serving. */
export interface Exchange {
  id: JSONRPCRequest['id'];
  res: LaneResponse;
  /** A 2025-era request: its answer is an event stream, as the SDK's stateless legacy entry writes it. */
  legacy: boolean;
  /** True while the message is handed to the instance synchronously: an error sent then is a pre-handler one. */
  dispatching: boolean;
  declined: boolean;
  keepAlive?: NodeJS.Timeout;
  /** The handler's signal, aborted when the exchange is cut off. */
  aborter: LazyAbort;
  /** The request as the handler sees it (`ctx.http.req`), under which the pipeline reports the call's outcome. */
  request: Request;
  /** Given the text of a successful JSON answer, for the instance's memo of its listings. */
  remember?(text: string): void;
  settle(outcome: Outcome): void;
}

/**
 * A Transport that stays connected to one pooled instance for its whole life and carries one exchange at a time,
 * writing the answer straight to the Node response: no per-request connect, web Request/Response, or close.
 */
export class LaneTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport['onmessage'];
  exchange?: Exchange;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.exchange?.keepAlive);
    this.exchange?.aborter.abort(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
    this.exchange = undefined;
    this.onclose?.();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const exchange = this.exchange;
    const isResponse = !('method' in message);
    const related = isResponse ? (message as { id?: unknown }).id : options?.relatedRequestId;
    if (!exchange || related !== exchange.id) return;
    const text = JSON.stringify(message);
    if (!isResponse) {
      // A notification or request before the result: the answer becomes an event stream, as the SDK's does.
      if (!exchange.res.headersSent) this.openStream(exchange);
      exchange.res.write(`event: message\ndata: ${text}\n\n`);
      return;
    }
    if (exchange.dispatching && 'error' in message && !exchange.res.headersSent) {
      // Refused before any handler ran (era, method, envelope): the SDK's entry answers it, with its HTTP status.
      exchange.declined = true;
      return;
    }
    this.exchange = undefined;
    if (exchange.res.headersSent) {
      exchange.res.end(`event: message\ndata: ${text}\n\n`);
      clearInterval(exchange.keepAlive);
    } else {
      if ('result' in message) exchange.remember?.(text);
      writeAnswer(exchange.res, text, exchange.legacy, httpStatusOf(message));
    }
    exchange.settle(outcomeOfMessage(message as object, reportedOutcome(exchange.request)));
  }

  private openStream(exchange: Exchange): void {
    exchange.res.writeHead(200, SSE_HEADERS);
    exchange.keepAlive = setInterval(() => exchange.res.write(': keepalive\n\n'), SSE_KEEP_ALIVE_MS).unref();
  }
}

/** What the lane writes an answer to: a Node ServerResponse, or the Lambda host's response sink. */
export interface LaneResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): LaneResponse;
  write(chunk: string): unknown;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/**
 * The JSON answers made ready in this turn of the event loop, written together at its end (setImmediate) rather
 * each as soon as it is ready. A turn serves every request whose bytes arrived together; writing their answers
 * back to back wakes each reader once per batch instead of once per answer, which cost more CPU than the whole MCP
 * dispatch (the bench's CPU per call, variant (b), shows it) and lengthened the tail. A lone request waits only for
 * its own turn.
 */
const answers: { res: LaneResponse; text: string; legacy: boolean; status: number }[] = [];

/** JSON for a modern request; for a 2025-era one the one-event stream the SDK's legacy entry answers with. */
export function writeAnswer(res: LaneResponse, text: string, legacy: boolean, status = 200): void {
  if (answers.length === 0) setImmediate(writeAnswers);
  answers.push({ res, text, legacy, status });
}

/**
 * The HTTP status of a JSON answer, as the SDK's entry gives it: a handler's error stays in-band on 200, except
 * MissingRequiredClientCapability (-32021), which the spec answers with 400 (SDK 2.4, httpStatusForErrorCode).
 */
function httpStatusOf(message: JSONRPCMessage): number {
  return 'error' in message && message.error.code === ProtocolErrorCode.MissingRequiredClientCapability ? 400 : 200;
}

function writeAnswers(): void {
  for (const { res, text, legacy, status } of answers.splice(0)) {
    try {
      if (legacy) {
        // Its length is known, so it goes out in one write rather than chunked (header, size, data, trailer).
        const stream = `event: message\ndata: ${text}\n\n`;
        res.writeHead(200, { ...SSE_HEADERS, 'content-length': Buffer.byteLength(stream) }).end(stream);
      } else res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    } catch (error) {
      // One answer that cannot be written (its exchange was ended meanwhile) must not hold back the others.
      res.destroy(error as Error);
    }
  }
}
