/** How a call ended: a result, an isError tool result, or a throw. */
export type CallOutcome = 'ok' | 'tool_error' | 'error';

export function isErrorResult(result: unknown): boolean {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
}

/** Runs the rest of the chain and tells `done` how it ended — a result, an isError result, or a throw — passing both on. */
export async function settle(next: () => Promise<unknown>, done: (outcome: CallOutcome) => void): Promise<unknown> {
  let outcome: CallOutcome = 'ok';
  try {
    const result = await next();
    if (isErrorResult(result)) outcome = 'tool_error';
    return result;
  } catch (error) {
    outcome = 'error';
    throw error;
  } finally {
    done(outcome);
  }
}
