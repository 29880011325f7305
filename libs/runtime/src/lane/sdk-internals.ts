// The only file that reaches the SDK's private members (SDK 2.4, `Protocol` and `Server`). The lane dispatches a
// request with the protocol layer's own parts and writes a request's client identity where the SDK's entry writes
// it; a release that renames one of these must turn the lane off, never turn its requests into 500s. So each
// instance is checked before the lane takes it (missingInternals), and fast-lane.test.ts fails on the current SDK
// if one is gone. The lint rule "no SDK private member outside sdk-internals.ts" keeps them here.
import type { JSONRPCRequest, MessageExtraInfo, Server, ServerContext, Transport } from '@modelcontextprotocol/server';

export type Codec = {
  hasRequestMethod(method: string): boolean;
  checkInboundEnvelope(material: { envelope?: Record<string, unknown> }): string | undefined;
  encodeResult(method: string, result: unknown, serverInfo: unknown): unknown;
  encodeErrorCode(code: number): number;
};

/** The parts of the protocol layer that its request dispatch, `_onrequest`, is made of. */
export interface ProtocolInternals {
  _requestHandlers: Map<string, (request: JSONRPCRequest, ctx: ServerContext) => unknown>;
  _onrequest(message: JSONRPCRequest, extra: MessageExtraInfo): void;
  _shouldDropInbound(message: JSONRPCRequest): string | undefined;
  _loggingLevels: Map<string | undefined, string>;
  _negotiatedWireCodec(): Codec;
  _outboundServerInfo(): unknown;
  _resolveOutboundCodec(method: string): unknown;
  _notificationViaCodec(codec: unknown, notification: unknown, options: object): Promise<void>;
  _assertOutboundRequestInEra(codec: unknown, method: string): void;
  _requestWithSchemaViaCodec(codec: unknown, request: unknown, schema: unknown, options: object): Promise<unknown>;
  request(request: unknown, options?: object): Promise<unknown>;
  getCapabilities(): { logging?: object };
  LOG_LEVEL_SEVERITY: Map<string, number>;
  _onerror(error: Error): void;
  transport?: Transport;
}

/** What the SDK's entry records of a client (initialize, or a modern request's envelope). */
interface ClientState {
  _negotiatedProtocolVersion?: string;
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
  _loggingLevels: Map<unknown, unknown>;
}

/**
 * How each internal is checked: a method, a Map, or a field the SDK declares on every instance (undefined until a
 * client is known, so `in` finds it). Typed against the interfaces above: one declared there and not probed here
 * fails the typecheck.
 */
const PROBES = {
  _requestHandlers: 'map',
  _onrequest: 'method',
  _shouldDropInbound: 'method',
  _loggingLevels: 'map',
  _negotiatedWireCodec: 'method',
  _outboundServerInfo: 'method',
  _resolveOutboundCodec: 'method',
  _notificationViaCodec: 'method',
  _assertOutboundRequestInEra: 'method',
  _requestWithSchemaViaCodec: 'method',
  request: 'method',
  getCapabilities: 'method',
  LOG_LEVEL_SEVERITY: 'map',
  _onerror: 'method',
  transport: 'field',
  _negotiatedProtocolVersion: 'field',
  _clientCapabilities: 'field',
  _clientVersion: 'field',
} as const satisfies Record<keyof ProtocolInternals | keyof ClientState, 'method' | 'map' | 'field'>;

/** The internals the lane needs that `server` lacks (empty when the lane can serve with it). */
export function missingInternals(server: Server): string[] {
  const members = server as unknown as Record<string, unknown>;
  return Object.entries(PROBES)
    .filter(([name, kind]) =>
      kind === 'method' ? typeof members[name] !== 'function' : kind === 'map' ? !(members[name] instanceof Map) : !(name in members),
    )
    .map(([name]) => name);
}

export const protocolOf = (server: Server): ProtocolInternals => server as unknown as ProtocolInternals;

/** Writes a modern request's client identity where the SDK's entry writes it, so handlers read the same. */
export function writeClientIdentity(server: Server, clientInfo: unknown, capabilities: unknown): void {
  const state = server as unknown as ClientState;
  state._clientVersion = clientInfo;
  state._clientCapabilities = capabilities;
}

/**
 * Whether a 2025-era instance keeps something of a client after its exchange: the version, capabilities and
 * identity `initialize` records, or the level `logging/setLevel` sets. One that keeps none answers any
 * stateless request as a new one would.
 */
export function holdsClientState(server: Server): boolean {
  const state = server as unknown as ClientState;
  return (
    state._negotiatedProtocolVersion !== undefined ||
    state._clientCapabilities !== undefined ||
    state._clientVersion !== undefined ||
    state._loggingLevels.size > 0
  );
}
