import { toWebHeaders } from '../json-rpc';
import type { LaneIncoming } from './routing';

/**
 * The web Request a handler sees as `ctx.http.req`, made only when it is used beyond its method, URL and headers,
 * and its Headers only when used beyond `get` and `has`: building them would cost more than the rest of the lane.
 */
export function lazyWebRequest(req: LaneIncoming): Request {
  const url = `http://${req.headers.host ?? 'localhost'}${req.url ?? '/mcp'}`;
  let webHeaders: Headers | undefined;
  const realHeaders = () => (webHeaders ??= toWebHeaders(req));
  // Node's header names are lower-case and its repeated values joined as Headers joins them; any other name
  // (one Headers would refuse) goes to the real Headers.
  const read = (name: string) => {
    if (!HEADER_NAME.test(name)) return realHeaders().get(name);
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  const headers = deferred(Headers.prototype, realHeaders, { get: read, has: (name: string) => read(name) !== null });
  return deferred(Request.prototype, () => new Request(url, { method: req.method, headers: realHeaders() }), {
    method: req.method,
    url,
    headers,
  });
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * An object of `prototype`'s class that answers `known` itself and anything else from `make()`, called once. What
 * is set on it stays on it (the pipeline's outcome report), and reading that back makes nothing.
 */
function deferred<T extends object>(prototype: T, make: () => T, known: Record<string, unknown>): T {
  let real: T | undefined;
  return new Proxy(Object.create(prototype) as T, {
    get(target, key) {
      if (typeof key === 'string' && Object.hasOwn(known, key)) return known[key];
      if (Object.hasOwn(target, key)) return Reflect.get(target, key);
      real ??= make();
      const value = Reflect.get(real, key) as unknown;
      return typeof value === 'function' ? value.bind(real) : value;
    },
    // Without it, a set takes the Proxy's generic path through the prototype chain.
    set: (target, key, value) => Reflect.set(target, key, value),
  });
}
