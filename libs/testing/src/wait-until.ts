/**
 * Polls `probe` until it returns something truthy, and returns that: for a condition that an event elsewhere
 * makes true (a status endpoint, a gauge), where there is nothing to subscribe to. The ceiling is generous, for a
 * loaded machine; it only turns a condition that never holds into an error that names it.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  options: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 10))) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`${options.what} did not happen within ${timeoutMs} ms`);
  }
}
