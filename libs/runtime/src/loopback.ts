/**
 * Whether a host name or address is this machine's loopback: 127.0.0.0/8, ::1 (bare, or bracketed as in a URL's
 * hostname) or localhost. Loopback binds get DNS-rebinding checks by default; load and fault tools stay on it.
 */
export function isLoopbackHost(host: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/.test(host);
}
