import { structuredResult, textResult, withMiddleware, type Middleware } from '@mcp-fleet/middleware';
import { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import packageJson from '../package.json' with { type: 'json' };
import { calculateSum, calculateSumInput, calculateSumOutput } from './tools/calculate-sum';
import { echo, echoInput } from './tools/echo';
import { FORMATS, formatText, formatTextInput } from './tools/format-text';
import { wait, waitInput } from './tools/wait';

export const FORMATS_URI = 'text-tools://formats';

const FORMAT_EXAMPLES = FORMATS.map((format) => ({ format, example: `"hello WORLD" -> ${format}` }));

export interface TextToolsDeps {
  /** The service's middleware chain (standardChain in main.ts); every tool, resource and prompt goes through it. */
  middleware: Middleware[];
}

/** The text-tools service. Pure: it registers tools, a resource and a prompt, and does no I/O. */
export function createServer(deps: TextToolsDeps): McpServer {
  const server = withMiddleware(new McpServer({ name: 'text-tools', version: packageJson.version }), deps.middleware);

  server.registerTool(
    'echo',
    { title: 'Echo', description: 'Returns the message unchanged.', inputSchema: echoInput, annotations: { readOnlyHint: true } },
    async (input) => textResult(await echo(input)),
  );
  server.registerTool(
    'calculate_sum',
    {
      title: 'Sum',
      description: 'Adds up a list of numbers.',
      inputSchema: calculateSumInput,
      outputSchema: calculateSumOutput,
      annotations: { readOnlyHint: true },
    },
    async (input) => structuredResult({ sum: await calculateSum(input) }),
  );
  server.registerTool(
    'format_text',
    {
      title: 'Format text',
      description: `Formats text as ${FORMATS.join(', ')}.`,
      inputSchema: formatTextInput,
      annotations: { readOnlyHint: true },
    },
    async (input) => textResult(await formatText(input)),
  );
  server.registerTool(
    'wait',
    { title: 'Wait', description: 'Waits the given milliseconds, then answers; cancellable.', inputSchema: waitInput },
    async (input, ctx) => textResult(await wait(input, ctx.mcpReq.signal)),
  );

  server.registerResource(
    'formats',
    FORMATS_URI,
    { title: 'Text formats', description: 'The formats format_text accepts.', mimeType: 'application/json' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(FORMAT_EXAMPLES) }] }),
  );

  server.registerPrompt(
    'format_request',
    {
      title: 'Ask for formatted text',
      description: 'A user message asking to format text with format_text.',
      argsSchema: z.object({ text: z.string(), format: z.enum(FORMATS) }),
    },
    ({ text: input, format }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Use format_text to format this text as ${format}:\n\n${input}` } }],
    }),
  );

  return server;
}
