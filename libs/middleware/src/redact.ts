// Keys whose values never reach a log line: passwords, tokens, secrets, credentials.
const SECRET_KEY = /^(.*[-_])?(password|passwd|pass|token|access_token|refresh_token|secret|authorization|cookie|api[-_]?key)$/i;

/**
 * The value with every secret-named key's value replaced by "[redacted]", down to `depth` levels. Copies only
 * what it changes, so a log line without secrets costs a walk over its keys and nothing more.
 */
export function redactSecrets<T>(value: T, depth = 4): T {
  if (depth < 0 || typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (Array.isArray(value)) {
    const items = value.map((item) => redactSecrets(item, depth - 1));
    return (items.some((item, i) => item !== value[i]) ? items : value) as T;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const replaced = SECRET_KEY.test(key) ? '[redacted]' : redactSecrets(inner, depth - 1);
    if (replaced !== inner) (copy ??= { ...(value as Record<string, unknown>) })[key] = replaced;
  }
  return (copy ?? value) as T;
}
