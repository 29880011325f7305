import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest, type McpServerFactory } from '@modelcontextprotocol/server';
import { JSON_RPC, sendRpcError } from './json-rpc';
import type { Logger } from './logger';

export interface LegacySessionOptions {
  idleMs: number;
  maxSessions: number;
  logger: Logger;
}

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  close: () => Promise<void>;
  lastSeen: number;
}

/**
 * Sessionful serving for 2025-era clients that need it (server-initiated requests, resumable streams).
 * Opt-in, because a session pins a client to one replica: route it with sticky sessions on Mcp-Session-Id.
 */
export class LegacySessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly factory: McpServerFactory,
    private readonly options: LegacySessionOptions,
  ) {
    this.sweeper = setInterval(() => void this.expireIdle(), Math.min(options.idleMs, 30_000));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown, acceptNew: boolean): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const id = Array.isArray(header) ? header[0] : header;
    if (id) {
      const session = this.sessions.get(id);
      if (!session) {
        return sendRpcError(
          res,
          404,
          JSON_RPC.sessionNotFound,
          'Session not found: it ended, expired or lives on another replica; send initialize to start a new one',
        );
      }
      session.lastSeen = Date.now();
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return sendRpcError(
        res,
        400,
        JSON_RPC.invalidRequest,
        'Bad Request: no Mcp-Session-Id header; send initialize first to start a session',
      );
    }
    if (!acceptNew) {
      return sendRpcError(res, 503, JSON_RPC.serverError, 'Server is shutting down and accepts no new sessions; retry on another replica', {
        'retry-after': '1',
        connection: 'close',
      });
    }
    if (this.sessions.size >= this.options.maxSessions) {
      return sendRpcError(
        res,
        503,
        JSON_RPC.serverError,
        `Session limit reached (${this.options.maxSessions}, http.maxSessions); retry later`,
        { 'retry-after': '5' },
      );
    }
    await this.open(req, res, body);
  }

  private async open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = await this.factory({ era: 'legacy' });
    const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { transport, close: () => server.close(), lastSeen: Date.now() });
        this.options.logger.info({ sessionId: id, sessions: this.sessions.size }, 'legacy session opened');
      },
    });
    transport.onclose = () => {
      const id = transport.sessionId;
      if (id && this.sessions.delete(id)) {
        this.options.logger.info({ sessionId: id, sessions: this.sessions.size }, 'legacy session closed');
      }
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  private async expireIdle(): Promise<void> {
    const cutoff = Date.now() - this.options.idleMs;
    const idle = [...this.sessions.values()].filter((session) => session.lastSeen < cutoff);
    await Promise.all(idle.map((session) => session.close()));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.values()].map((session) => session.close()));
  }
}
