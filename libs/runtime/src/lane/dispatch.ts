import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { protocolOf } from './sdk-internals';

/** The envelope members the protocol layer lifts out of a request's `_meta` into `ctx.mcpReq.envelope`. */
export const ENVELOPE_KEYS: readonly string[] = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
];
/** Multi-round-trip members of a request's params: a request carrying them is the SDK's to dispatch. */
const RETRY_KEYS = ['inputResponses', 'requestState'];
const NO_REQUEST_STATE = () => undefined;
/**
 * The revision whose envelope schema the SDK's classifier parses every modern request's envelope with (SDK 2.4:
 * validateEnvelopeMeta, for MODERN_WIRE_REVISION). `fast-lane.test.ts` fails if its verdicts and the dispatch's part.
 */
export const CLASSIFIER_REVISION = '2026-07-28';

/** A request's abort signal, made only when it is read or the request is aborted. */
export class LazyAbort {
  private controller?: AbortController;
  private reason: unknown;
  aborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

const ABORTER = Symbol('mcp-fleet.aborter');
/**
 * `ctx.mcpReq.signal`, read from the request's LazyAbort. One getter for every request: V8 keeps an accessor's
 * function in the object's hidden class, so a getter made per request would give each context a class of its own.
 */
const LAZY_SIGNAL: PropertyDescriptor = {
  get(this: { [ABORTER]: LazyAbort }) {
    return this[ABORTER].signal;
  },
  enumerable: true,
};

/**
 * Dispatches a request to the instance's handler as the SDK's `_onrequest` does, answering on the instance's
 * transport: a classified modern one, or a 2025-era one (no classification, no `_meta`). Two things are done
 * differently, for what they cost on Node 20 (V8 11.3; `npm run bench` measures them):
 * - the handler's context is one object literal, where the SDK's buildContext spreads `ctx.mcpReq` into a new
 *   object: that spread serves many shapes, so it goes megamorphic, and V8 then gives every copy a hidden class of
 *   its own, which makes every read of the context megamorphic and leaves garbage for the old generation;
 * - `ctx.mcpReq.signal` is made when first read: the SDK makes an AbortController for every request, and Node 20
 *   gives every AbortSignal a hidden class of its own too.
 *
 * Only the common shape is dispatched here (the lane serves spec methods only): a request whose method the era has
 * and whose handler exists, classified modern by the SDK's classifier (which accepts only an envelope the era
 * accepts) or 2025-era without an envelope, and that carries no multi-round-trip material. Anything else, and every
 * refusal, goes to `_onrequest` unchanged.
 */
export function dispatchRequest(server: Server, message: JSONRPCRequest, extra: MessageExtraInfo, aborter: LazyAbort): void {
  const protocol = protocolOf(server);
  const { id, method } = message;
  const params = message.params as Record<string, unknown> | undefined;
  const handler = protocol._requestHandlers.get(method);
  const codec = protocol._negotiatedWireCodec();
  const meta = params?._meta as Record<string, unknown> | undefined;
  if (!handler || !codec.hasRequestMethod(method) || (params && RETRY_KEYS.some((key) => key in params)))
    return protocol._onrequest(message, extra);
  let request: JSONRPCRequest;
  let envelope: Record<string, unknown> | undefined;
  let restMeta: Record<string, unknown> | undefined;
  if (extra.classification === undefined) {
    // 2025 era: nothing to lift, so the request is dispatched as it came (as liftWireOnlyMaterial leaves it).
    if (meta !== undefined || protocol._shouldDropInbound(message) === 'drop' || codec.checkInboundEnvelope({}) !== undefined)
      return protocol._onrequest(message, extra);
    request = message;
  } else {
    if (!params || !meta) return protocol._onrequest(message, extra);
    // What the SDK's liftWireOnlyMaterial does (the envelope out of `_meta`, and `_meta` gone if nothing is left),
    // by copying what stays rather than deleting what goes, which would turn the copies into slow dictionaries.
    envelope = {};
    for (const key of ENVELOPE_KEYS) if (key in meta) envelope[key] = meta[key];
    // Not checked again for the revision the SDK's classifier checks envelopes for (checkInboundEnvelope): the
    // classifier has parsed these same members with the same schema to call the request modern.
    const checked = extra.classification.revision === CLASSIFIER_REVISION;
    if (Object.keys(envelope).length === 0 || (!checked && codec.checkInboundEnvelope({ envelope }) !== undefined))
      return protocol._onrequest(message, extra);
    restMeta = copyWithout(meta, ENVELOPE_KEYS);
    const nextParams = copyWithout(params, restMeta ? [] : ['_meta']) ?? {};
    if (restMeta) nextParams._meta = restMeta;
    request = { ...message, params: nextParams };
  }

  const transport = protocol.transport!;
  const relatedRequestId = id;
  const notify = (notification: { method: string }, options?: object) =>
    protocol._notificationViaCodec(protocol._resolveOutboundCodec(notification.method), notification, { ...options, relatedRequestId });
  const send = (r: { method: string }, schemaOrOptions?: object, maybeOptions?: object) => {
    if (schemaOrOptions && '~standard' in schemaOrOptions) {
      const sendCodec = protocol._resolveOutboundCodec(r.method);
      protocol._assertOutboundRequestInEra(sendCodec, r.method);
      return protocol._requestWithSchemaViaCodec(sendCodec, r, schemaOrOptions, { ...maybeOptions, relatedRequestId });
    }
    return protocol.request(r, { ...schemaOrOptions, relatedRequestId });
  };
  const severity = protocol.LOG_LEVEL_SEVERITY;
  const emit = (level: string, data: unknown, logger?: string) =>
    notify({ method: 'notifications/message', params: { level, data, logger } } as { method: string });
  const elicitInput = (params: never, options?: never) => server.elicitInput(params, options);
  const requestSampling = (params: never, options?: never) => server.createMessage(params, options);
  const http = extra.authInfo
    ? { authInfo: extra.authInfo, req: extra.request, closeSSE: undefined, closeStandaloneSSE: undefined }
    : { req: extra.request, closeSSE: undefined, closeStandaloneSSE: undefined };
  // The context the SDK's buildContext makes for the request's era (see above for why not buildContext itself):
  // one literal per era, with the SDK's members in the SDK's order.
  const ctx = (envelope === undefined
    ? {
        sessionId: transport.sessionId,
        mcpReq: {
          id,
          method,
          _meta: undefined,
          requestState: NO_REQUEST_STATE,
          [ABORTER]: aborter,
          send,
          notify,
          // The 2025 era's logging: below the level logging/setLevel set nothing goes, and everything without one.
          log: (level: string, data: unknown, logger?: string) => {
            const threshold = protocol._loggingLevels.get(transport.sessionId) ?? protocol._loggingLevels.get(undefined);
            if (!protocol.getCapabilities().logging || (threshold !== undefined && severity.get(level)! < severity.get(threshold)!))
              return Promise.resolve();
            return emit(level, data, logger);
          },
          elicitInput,
          requestSampling,
        },
        http,
      }
    : {
        sessionId: transport.sessionId,
        mcpReq: {
          id,
          method,
          _meta: restMeta,
          envelope,
          requestState: NO_REQUEST_STATE,
          [ABORTER]: aborter,
          send,
          notify,
          // The modern era's logging: at or above the level the request's envelope asks for, and none if it asks none.
          log: (level: string, data: unknown, logger?: string) => {
            const threshold = envelope[LOG_LEVEL_META_KEY] as string | undefined;
            if (!protocol.getCapabilities().logging || threshold === undefined || severity.get(level)! < severity.get(threshold)!)
              return Promise.resolve();
            return emit(level, data, logger);
          },
          elicitInput,
          requestSampling,
        },
        http,
      }) as unknown as ServerContext;
  Object.defineProperty(ctx.mcpReq, 'signal', LAZY_SIGNAL);
  const sendError = (code: number, text: string, data?: unknown) =>
    transport.send({ jsonrpc: '2.0', id, error: { code, message: text, ...(data !== undefined && { data }) } });

  Promise.resolve()
    .then(() => handler(request, ctx))
    .then(
      async (result) => {
        if (aborter.aborted) return;
        let encoded;
        try {
          encoded = codec.encodeResult(method, result, protocol._outboundServerInfo());
        } catch (error) {
          protocol._onerror(new Error(`Failed to encode result for ${method}: ${String(error)}`));
          return sendError(ProtocolErrorCode.InternalError, 'Internal error');
        }
        await transport.send({ result: encoded, jsonrpc: '2.0', id } as JSONRPCMessage);
      },
      async (error: { code?: unknown; message?: string; data?: unknown }) => {
        if (aborter.aborted) return;
        const code = Number.isSafeInteger(error.code) ? (error.code as number) : ProtocolErrorCode.InternalError;
        await sendError(codec.encodeErrorCode(code), error.message ?? 'Internal error', error.data);
      },
    )
    .catch((error) => protocol._onerror(new Error(`Failed to send response: ${String(error)}`)));
}

/** A copy of `object` without `keys`, in its order; undefined when nothing is left. */
function copyWithout(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) if (!keys.includes(key)) (copy ??= {})[key] = object[key];
  return copy;
}
