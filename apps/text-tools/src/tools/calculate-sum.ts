import * as z from 'zod';

export const calculateSumInput = z.object({
  numbers: z.array(z.number()).max(100_000).describe('The numbers to add up.'),
});
export const calculateSumOutput = z.object({ sum: z.number() });

export async function calculateSum({ numbers }: z.infer<typeof calculateSumInput>): Promise<number> {
  return numbers.reduce((total, n) => total + n, 0);
}
