import * as z from 'zod';

export const echoInput = z.object({ message: z.string().describe('The text to send back unchanged.') });

export async function echo({ message }: z.infer<typeof echoInput>): Promise<string> {
  return message;
}
