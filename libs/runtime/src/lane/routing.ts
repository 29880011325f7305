import type { IncomingMessage } from 'node:http';
import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  RELATED_TASK_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCRequest,
  type MessageClassification,
} from '@modelcontextprotocol/server';
import { ENVELOPE_KEYS } from './dispatch';

/**
 * Methods a single request may take the lane for, in either era: the instance answers them entirely and keeps no
 * state of them. Everything else (initialize, logging/setLevel, subscriptions, server/discover, notifications,
 * batches, legacy sessions) goes to the SDK's entry.
 */
const LANE_METHODS = new Set([
  'tools/call',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'ping',
]);
/** The body field the Mcp-Name header mirrors, per method (SEP-2243). */
const NAMED_BY: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };
const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
/** The 2025-era revisions (MCP-Protocol-Version) the SDK's stateless legacy entry serves. */
export const LEGACY_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS.filter((version) => version < '2026'));
const MAX_ENVELOPES = 1024;

export interface Route {
  message: JSONRPCRequest;
  /** A modern request's; none for a 2025-era one. */
  classification?: MessageClassification;
}

/** What the lane reads of a request: a Node IncomingMessage, or the Lambda host's plain object of the same fields. */
export type LaneIncoming = Pick<IncomingMessage, 'method' | 'url' | 'headers'>;

/**
 * Which requests the lane takes and in which era, stricter than the SDK's entry: what it does not take is the
 * entry's to answer, as it is.
 */
export class LaneRouter {
  /** Envelopes the SDK has classified as a modern request, with its classification (see classify). */
  private readonly envelopes = new Map<string, MessageClassification>();
  /** The envelope of the last request classify took, with its classification. */
  private lastEnvelope?: { meta: Record<string, unknown>; classification: MessageClassification };

  /** The route of a request the lane can serve, or undefined. Stricter than the entry: anything else is its to answer. */
  route(req: LaneIncoming, body: unknown, modernIdle: boolean, legacyIdle: boolean): Route | undefined {
    if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'])) return undefined;
    const method = (body as { method?: unknown } | null)?.method;
    if (typeof method !== 'string' || !LANE_METHODS.has(method)) return undefined;
    const protocolVersionHeader = header(req, 'mcp-protocol-version');
    const mcpMethodHeader = header(req, 'mcp-method');
    const mcpNameHeader = header(req, 'mcp-name');
    if (protocolVersionHeader !== undefined && LEGACY_VERSIONS.has(protocolVersionHeader))
      return legacyIdle ? this.legacyRoute(req, body) : undefined;
    if (!modernIdle || protocolVersionHeader === undefined || mcpMethodHeader !== method) return undefined;
    const field = NAMED_BY[method];
    if (field) {
      const named = (body as { params?: Record<string, unknown> }).params?.[field];
      // A Base64 sentinel is the entry's to decode and check.
      if (typeof named !== 'string' || mcpNameHeader !== named || named.startsWith('=?base64?')) return undefined;
    }
    return this.classify(body, protocolVersionHeader, mcpMethodHeader, mcpNameHeader);
  }

  /**
   * A 2025-era request the SDK's stateless legacy entry would serve with nothing but its handler: what that entry
   * checks (Accept naming both types, a supported version) holds, no session is named, and the body is one plain
   * request without `_meta`, which the SDK's schemas surely accept. Its classifier is not asked: a request whose
   * params carry no `_meta` claims no envelope, and with a 2025 version in its header and a method other than
   * initialize it is legacy ("no-claim") every time (SDK 2.4, classifyRequestBody).
   */
  private legacyRoute(req: LaneIncoming, body: unknown): Route | undefined {
    if (req.headers['mcp-session-id'] !== undefined) return undefined;
    const accept = header(req, 'accept');
    if (!accept?.includes('application/json') || !accept.includes('text/event-stream')) return undefined;
    if (!isObject(body) || !Object.keys(body).every((key) => REQUEST_KEYS.has(key))) return undefined;
    const { jsonrpc, id, params } = body;
    if (
      jsonrpc !== '2.0' ||
      !(typeof id === 'string' || Number.isSafeInteger(id)) ||
      (params !== undefined && (!isObject(params) || '_meta' in params))
    )
      return undefined;
    return { message: body as JSONRPCRequest };
  }

  /**
   * The SDK's classification, remembered per envelope for requests of a shape its schemas accept for certain and
   * whose header repeats the envelope's version exactly: its zod checks cost more than the rest of the lane, and a
   * client sends the same envelope on every request. Anything else is classified by the SDK each time.
   */
  private classify(
    body: unknown,
    protocolVersionHeader: string,
    mcpMethodHeader: string,
    mcpNameHeader: string | undefined,
  ): Route | undefined {
    const meta = plainRequestMeta(body);
    const cacheable = meta !== undefined && meta[PROTOCOL_VERSION_META_KEY] === protocolVersionHeader;
    // The envelope the last request carried, compared member by member before one is made into a key.
    if (cacheable && this.lastEnvelope && ENVELOPE_KEYS.every((key) => sameJson(meta[key], this.lastEnvelope!.meta[key]))) {
      return { message: body as JSONRPCRequest, classification: this.lastEnvelope.classification };
    }
    const key = cacheable ? envelopeKey(meta) : undefined;
    let classification = key === undefined ? undefined : this.envelopes.get(key);
    if (!classification) {
      const route = classifyInboundRequest({ httpMethod: 'POST', body, protocolVersionHeader, mcpMethodHeader, mcpNameHeader });
      if (route.kind !== 'modern' || route.messageKind !== 'request') return undefined;
      classification = route.classification;
      if (key !== undefined) {
        if (this.envelopes.size >= MAX_ENVELOPES) this.envelopes.clear();
        this.envelopes.set(key, classification);
      }
    }
    if (cacheable) this.lastEnvelope = { meta, classification };
    return { message: body as JSONRPCRequest, classification };
  }
}

/**
 * The request's `_meta` when the body is a JSON-RPC request the SDK's schema surely accepts (no extra members, an
 * integer or string id, object params and `_meta`, a plain progress token, no task metadata); else undefined.
 */
function plainRequestMeta(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body) || !Object.keys(body).every((key) => REQUEST_KEYS.has(key))) return undefined;
  const { jsonrpc, id, method, params } = body;
  if (jsonrpc !== '2.0' || typeof method !== 'string' || !(typeof id === 'string' || Number.isSafeInteger(id)) || !isObject(params))
    return undefined;
  const meta = params._meta;
  if (!isObject(meta) || RELATED_TASK_META_KEY in meta) return undefined;
  const token = meta.progressToken;
  return token === undefined || typeof token === 'string' || Number.isSafeInteger(token) ? meta : undefined;
}

/** The envelope members the SDK validates, as one string: absent and null stay distinct. */
function envelopeKey(meta: Record<string, unknown>): string {
  return JSON.stringify({
    version: meta[PROTOCOL_VERSION_META_KEY],
    info: meta[CLIENT_INFO_META_KEY],
    capabilities: meta[CLIENT_CAPABILITIES_META_KEY],
    level: meta[LOG_LEVEL_META_KEY],
  });
}

/** Whether two parsed JSON values are the same (object members in the same order, as JSON.stringify would see them). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  const otherKeys = Object.keys(b);
  return (
    keys.length === otherKeys.length &&
    keys.every((key, i) => key === otherKeys[i] && sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A single header's value; Node has already stripped the whitespace around it that the SDK strips. */
function header(req: LaneIncoming, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
