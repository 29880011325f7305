import { describe, expect, it } from 'vitest';
import { waitUntil } from './wait-until';

describe('waitUntil', () => {
  it('returns the first truthy value the probe gives', async () => {
    let calls = 0;
    expect(await waitUntil(async () => ++calls >= 3 && `after ${calls}`, { what: 'three calls', everyMs: 1 })).toBe('after 3');
  });

  it('names what never happened once the ceiling passes', async () => {
    await expect(waitUntil(() => false, { what: 'the impossible', timeoutMs: 20, everyMs: 1 })).rejects.toThrow(
      'the impossible did not happen within 20 ms',
    );
  });
});
