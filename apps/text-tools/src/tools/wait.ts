import * as z from 'zod';

export const waitInput = z.object({
  ms: z.number().int().min(0).max(60_000).describe('How long to wait, in milliseconds (at most 60000).'),
});

/** A deliberately slow call: what drain, timeout and load tests need to hold a request in flight. */
export async function wait({ ms }: z.infer<typeof waitInput>, signal?: AbortSignal): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error(`wait cancelled after less than ${ms} ms`));
      },
      { once: true },
    );
  });
  return `waited ${ms} ms`;
}
