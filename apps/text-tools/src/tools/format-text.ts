import * as z from 'zod';

export const FORMATS = ['uppercase', 'lowercase', 'capitalize', 'title'] as const;
export type Format = (typeof FORMATS)[number];

export const formatTextInput = z.object({
  text: z.string().describe('The text to format.'),
  format: z.enum(FORMATS).describe(`One of: ${FORMATS.join(', ')}.`),
});

const formatters: Record<Format, (text: string) => string> = {
  uppercase: (text) => text.toUpperCase(),
  lowercase: (text) => text.toLowerCase(),
  // As Python's str.capitalize, which the seed's tests expect: "hello WORLD" -> "Hello world".
  capitalize: (text) => text.charAt(0).toUpperCase() + text.slice(1).toLowerCase(),
  title: (text) =>
    text.toLowerCase().replace(/(^|[^\p{L}\p{N}'])(\p{L})/gu, (_, before: string, letter: string) => before + letter.toUpperCase()),
};

export async function formatText({ text, format }: { text: string; format: string }): Promise<string> {
  const formatter = formatters[format as Format];
  if (!formatter) throw new Error(`Unknown format "${format}"; valid formats: ${FORMATS.join(', ')}`);
  return formatter(text);
}
