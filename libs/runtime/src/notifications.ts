import { AsyncLocalStorage } from 'node:async_hooks';
import { callerFromAuthInfo, principalOf, type Caller } from '@mcp-fleet/middleware';
import type { AuthInfo, ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';

/** Where an event names who may hear it: the principals (principalOf) of the callers allowed to see what changed. */
export const AUDIENCE_META_KEY = 'io.mcp-fleet/audience';

/** The principal of the subscriptions/listen request being served, while the SDK opens its stream. */
const listening = new AsyncLocalStorage<string | undefined>();

/** Runs the SDK's entry for a subscriptions/listen request as `authInfo`'s, so that its stream hears what they may. */
export function asListener<T>(authInfo: AuthInfo | undefined, serve: () => T): T {
  const caller = callerFromAuthInfo(authInfo);
  return listening.run(caller && principalOf(caller), serve);
}

/**
 * `bus` as each stream hears it. The SDK delivers by a stream's filter alone (any stream that names a URI would
 * hear its updates); an event that names an audience reaches only the streams its members opened, without the
 * audience, and one without an audience reaches every stream that asks for it. `open` counts the streams listening.
 */
export function audienceBus(bus: ServerEventBus, open: { inc(): void; dec(): void }): ServerEventBus {
  return {
    publish: (event) => bus.publish(event),
    subscribe(listener) {
      const principal = listening.getStore();
      open.inc();
      let closed = false;
      const unsubscribe = bus.subscribe((event) => {
        const meta = event.params?._meta;
        const audience = meta?.[AUDIENCE_META_KEY];
        if (audience === undefined) return listener(event);
        if (principal === undefined || !Array.isArray(audience) || !audience.includes(principal)) return;
        const { [AUDIENCE_META_KEY]: _audience, ...rest } = meta!;
        listener({ ...event, params: { ...event.params, _meta: rest } });
      });
      return () => {
        if (closed) return;
        closed = true;
        open.dec();
        unsubscribe();
      };
    },
  };
}

/** How an app tells listeners that something changed, on any replica. */
export interface Notifier {
  /** The resource at `uri` changed: told to the streams subscribed to it — with `to`, only to those callers'. */
  resourceUpdated(uri: string, to?: Caller | readonly Caller[]): void;
  /** The list of resources changed — with `to`, only for those callers (what they may list changed). */
  resourcesChanged(to?: Caller | readonly Caller[]): void;
  toolsChanged(): void;
  promptsChanged(): void;
}

/** A Notifier publishing on `bus` (the one the service's definition hands serve()). */
export function notifierOf(bus: ServerEventBus): Notifier {
  const addressed = (to: Caller | readonly Caller[] | undefined) =>
    to === undefined ? undefined : { _meta: { [AUDIENCE_META_KEY]: (Array.isArray(to) ? to : [to]).map(principalOf) } };
  const publish = (event: ServerEvent) => bus.publish(event);
  return {
    resourceUpdated: (uri, to) => publish({ kind: 'resource_updated', uri, params: { uri, ...addressed(to) } }),
    resourcesChanged: (to) => publish({ kind: 'resources_list_changed', ...(to === undefined ? {} : { params: addressed(to) }) }),
    toolsChanged: () => publish({ kind: 'tools_list_changed' }),
    promptsChanged: () => publish({ kind: 'prompts_list_changed' }),
  };
}
