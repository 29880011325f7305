import { setTimeout as delay } from 'node:timers/promises';
import { access, textResult, withMiddleware, type Middleware } from '@mcp-fleet/middleware';
import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  completable,
  fromJsonSchema,
  inputRequired,
  McpServer,
  ResourceTemplate,
  type InputRequest,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { CONTACT_SCHEMA, DEFAULTS_SCHEMA, ENUMS_SCHEMA, JSON_SCHEMA_2020_12, PNG, TEXT, WAV } from './fixtures';

const open = { _meta: access({ public: true }) };
const noInput = z.object({});
const city = ['paris', 'park', 'party'];

/**
 * The conformance suite's fixture server, on our middleware chain like any app. Pure: no I/O at import.
 * `requestState` seals the multi-round-trip state its input-required tools hand the client (HMAC, the SDK's codec).
 */
export function createConformanceServer(deps: {
  middleware: Middleware[];
  requestState: RequestStateCodec<Record<string, unknown>>;
}): McpServer {
  const server = withMiddleware(
    new McpServer(
      { name: 'mcp-fleet-conformance', version: '0.0.0' },
      {
        capabilities: { logging: {}, completions: {}, resources: { subscribe: true } },
        requestState: { verify: deps.requestState.verify },
      },
    ),
    deps.middleware,
  );
  const tool = (
    name: string,
    description: string,
    run: (input: Record<string, string>, ctx: ServerContext) => Promise<unknown>,
    inputSchema: z.ZodObject = noInput,
  ) =>
    server.registerTool(
      name,
      { description, inputSchema, ...open },
      async (input, ctx) => (await run(input as Record<string, string>, ctx)) as never,
    );

  tool('test_simple_text', 'Returns simple text.', async () => textResult(TEXT.simple));
  // server-stateless (suite 0.2.0): the diagnostic tools it probes the 2026-07-28 rules with. Logging only at the
  // level a request's envelope asks for; a capability the client did not declare (-32021); no request of the
  // server's own on a call's response stream.
  tool('test_logging_tool', 'Logs at every level while it runs.', async (_input, ctx) => {
    for (const level of ['debug', 'info', 'warning', 'error'] as const) await ctx.mcpReq.log(level, `logged at ${level}`);
    return textResult('logged');
  });
  // On 2026-07-28 a handler asks the client through an input-required result, never a request of its own.
  tool('test_missing_capability', 'Needs the client to support sampling.', async () =>
    inputRequired({
      inputRequests: {
        sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Say yes.' } }], maxTokens: 10 }),
      },
    }),
  );
  tool('test_streaming_elicitation', 'Asks the client for input after a progress notification on its stream.', async (_input, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined)
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } });
    return inputRequired({
      inputRequests: { proceed: inputRequired.elicit({ message: 'Continue?', requestedSchema: { type: 'object', properties: {} } }) },
    });
  });
  // http-custom-header-server-validation (suite 0.2.0): a parameter mirrored in the Mcp-Param-Region header (SEP-2243).
  tool(
    'test_custom_header',
    'Echoes its region, which clients mirror in a header.',
    async ({ region }) => textResult(region!),
    z.object({ region: z.string().meta({ 'x-mcp-header': 'Region' }) }),
  );
  server.registerTool(
    'json_schema_2020_12_tool',
    { description: 'Takes input described in JSON Schema 2020-12.', inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12), ...open },
    async () => textResult('ok'),
  );
  registerInputRequiredFixtures(server, tool, deps.requestState);
  tool('test_image_content', 'Returns an image.', async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  tool('test_audio_content', 'Returns audio.', async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  tool('test_embedded_resource', 'Returns an embedded resource.', async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: TEXT.embedded } }],
  }));
  tool('test_multiple_content_types', 'Returns text, an image and a resource.', async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      {
        type: 'resource',
        resource: {
          uri: 'test://mixed-content-resource',
          mimeType: 'application/json',
          text: JSON.stringify({ test: 'data', value: 123 }),
        },
      },
    ],
  }));
  tool('test_error_handling', 'Always fails.', async () => ({ isError: true, content: [{ type: 'text', text: TEXT.error }] }));
  // The scenarios ask for ~50 ms between notifications, so a client shows they arrive one by one during the call.
  tool('test_tool_with_logging', 'Logs three times while it runs.', async (_input, ctx) => {
    await ctx.mcpReq.log('info', 'Tool execution started');
    await delay(50);
    await ctx.mcpReq.log('info', 'Tool processing data');
    await delay(50);
    await ctx.mcpReq.log('info', 'Tool execution completed');
    return textResult('Tool with logging executed successfully');
  });
  tool('test_tool_with_progress', 'Reports progress 0, 50, 100 of 100.', async (_input, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progressToken !== undefined)
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
      if (progress < 100) await delay(50);
    }
    return textResult('Tool with progress executed successfully');
  });
  tool(
    'test_sampling',
    'Asks the client to sample an LLM.',
    async ({ prompt }, ctx) => {
      const result = await ctx.mcpReq.requestSampling({
        messages: [{ role: 'user', content: { type: 'text', text: prompt! } }],
        maxTokens: 100,
      });
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      return textResult(`LLM response: ${content?.type === 'text' ? content.text : JSON.stringify(content)}`);
    },
    z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
  );
  tool(
    'test_elicitation',
    'Asks the user for a username and email.',
    async ({ message }, ctx) => {
      const result = await ctx.mcpReq.elicitInput({ message: message!, requestedSchema: CONTACT_SCHEMA });
      return textResult(`User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
    },
    z.object({ message: z.string().describe('The message to show the user') }),
  );
  tool('test_elicitation_sep1034_defaults', 'Elicits with a default for every primitive type.', async (_input, ctx) => {
    const result = await ctx.mcpReq.elicitInput({
      message: 'Please review and update the form fields with defaults',
      requestedSchema: DEFAULTS_SCHEMA,
    });
    return textResult(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
  });
  tool('test_elicitation_sep1330_enums', 'Elicits with the five enum shapes.', async (_input, ctx) => {
    const result = await ctx.mcpReq.elicitInput({
      message: 'Please select options from the enum fields',
      requestedSchema: ENUMS_SCHEMA as never,
    });
    return textResult(`Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`);
  });

  const text = (uri: URL, mimeType: string, value: string) => ({ contents: [{ uri: uri.href, mimeType, text: value }] });
  server.registerResource(
    'static-text',
    'test://static-text',
    { description: 'A static text resource.', mimeType: 'text/plain' },
    async (uri) => text(uri, 'text/plain', TEXT.staticResource),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'A static binary resource.', mimeType: 'image/png' },
    async (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }],
    }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { description: 'A resource to subscribe to.', mimeType: 'text/plain' },
    async (uri) => text(uri, 'text/plain', 'Watched resource content.'),
  );
  server.registerResource(
    'template',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'A resource template.', mimeType: 'application/json' },
    async (uri, { id }) => text(uri, 'application/json', JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` })),
  );
  // Subscriptions are acknowledged and tracked; nothing here changes, so no update is ever sent.
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', async ({ params }) => (subscribed.add(params.uri), {}));
  server.server.setRequestHandler('resources/unsubscribe', async ({ params }) => (subscribed.delete(params.uri), {}));

  const user = (content: unknown) => ({ role: 'user' as const, content: content as never });
  server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments.' }, async () => ({
    messages: [user({ type: 'text', text: TEXT.simplePrompt })],
  }));
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'A prompt with two arguments.',
      argsSchema: z.object({
        arg1: completable(z.string().describe('First test argument'), (value) => city.filter((word) => word.startsWith(value))),
        arg2: z.string().describe('Second test argument'),
      }),
    },
    async ({ arg1, arg2 }) => ({ messages: [user({ type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` })] }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'A prompt that embeds a resource.',
      argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
    },
    async ({ resourceUri }) => ({
      messages: [
        user({ type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: TEXT.embeddedPrompt } }),
        user({ type: 'text', text: 'Please process the embedded resource above.' }),
      ],
    }),
  );
  server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image.' }, async () => ({
    messages: [user({ type: 'image', data: PNG, mimeType: 'image/png' }), user({ type: 'text', text: 'Please analyze the image above.' })],
  }));
  return server;
}

type Tool = (name: string, description: string, run: (input: Record<string, string>, ctx: ServerContext) => Promise<unknown>) => unknown;

/** A form elicitation for one string field. */
const askFor = (message: string, field: string): InputRequest =>
  inputRequired.elicit({ message, requestedSchema: { type: 'object', properties: { [field]: { type: 'string' } }, required: [field] } });
const sample = (text: string, maxTokens = 50): InputRequest =>
  inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text } }], maxTokens });
/** The text of a sampling answer in `inputResponses`, undefined when there is none. */
const sampledText = (ctx: ServerContext, key: string): string | undefined => {
  const answer = ctx.mcpReq.inputResponses?.[key] as { content?: { type?: string; text?: string } } | undefined;
  return answer?.content?.type === 'text' ? answer.content.text : undefined;
};
const rootsOf = (ctx: ServerContext, key: string): string[] | undefined =>
  (ctx.mcpReq.inputResponses?.[key] as { roots?: { uri: string }[] } | undefined)?.roots?.map((root) => root.uri);

/**
 * The input-required (multi-round-trip, SEP-2322) fixtures of the 2026-07-28 suite: each asks the client for input
 * in an InputRequiredResult and completes when a retry brings the answers, re-asking for what is missing. State
 * that must survive a round goes into `requestState`, sealed by the codec, so a tampered one is refused (-32602).
 */
function registerInputRequiredFixtures(server: McpServer, tool: Tool, codec: RequestStateCodec<Record<string, unknown>>): void {
  tool('test_input_required_result_elicitation', 'Asks for your name, then greets you.', async (_input, ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_name');
    if (typeof answer?.name !== 'string') return inputRequired({ inputRequests: { user_name: askFor('What is your name?', 'name') } });
    return textResult(`Hello, ${answer.name}!`);
  });
  tool('test_input_required_result_sampling', "Asks the client's model a question.", async (_input, ctx) => {
    const text = sampledText(ctx, 'capital_question');
    if (text === undefined) return inputRequired({ inputRequests: { capital_question: sample('What is the capital of France?') } });
    return textResult(text);
  });
  tool('test_input_required_result_list_roots', "Lists the client's roots.", async (_input, ctx) => {
    const roots = rootsOf(ctx, 'client_roots');
    if (!roots) return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return textResult(`Roots: ${roots.join(', ') || 'none'}`);
  });
  tool('test_input_required_result_request_state', 'Keeps its state in requestState across the round trip.', async (_input, ctx) => {
    const state = ctx.mcpReq.requestState<{ asked: string }>();
    if (state?.asked !== 'confirm' || !ctx.mcpReq.inputResponses?.confirm) {
      return inputRequired({ inputRequests: { confirm: askFor('Proceed?', 'ok') }, requestState: await codec.mint({ asked: 'confirm' }) });
    }
    return textResult('state-ok: the requestState came back intact');
  });
  tool('test_input_required_result_multiple_inputs', 'Asks for a name, a sample and the roots at once.', async (_input, ctx) => {
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'user_name');
    const text = sampledText(ctx, 'greeting');
    const roots = rootsOf(ctx, 'client_roots');
    if (typeof name?.name === 'string' && text !== undefined && roots)
      return textResult(`${name.name}, ${text} Roots: ${roots.join(', ')}`);
    return inputRequired({
      inputRequests: {
        user_name: askFor('What is your name?', 'name'),
        greeting: sample('Say hello.'),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await codec.mint({ asked: 'all' }),
    });
  });
  tool('test_input_required_result_multi_round', 'Asks two questions, one round each.', async (_input, ctx) => {
    const state = ctx.mcpReq.requestState<{ round: number; name?: string }>();
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1');
    const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2');
    if (state?.round === 2 && typeof color?.color === 'string') return textResult(`${state.name} likes ${color.color}`);
    if (state?.round === 1 && typeof name?.name === 'string') {
      return inputRequired({
        inputRequests: { step2: askFor('Step 2: What is your favorite color?', 'color') },
        requestState: await codec.mint({ round: 2, name: name.name }),
      });
    }
    return inputRequired({
      inputRequests: { step1: askFor('Step 1: What is your name?', 'name') },
      requestState: await codec.mint({ round: 1 }),
    });
  });
  tool('test_input_required_result_tampered_state', 'Refuses a requestState that was changed on the way.', async (_input, ctx) => {
    if (ctx.mcpReq.requestState() !== undefined && ctx.mcpReq.inputResponses?.confirm) return textResult('state intact');
    return inputRequired({ inputRequests: { confirm: askFor('Proceed?', 'ok') }, requestState: await codec.mint({ asked: 'confirm' }) });
  });
  tool('test_input_required_result_capabilities', 'Asks only through what the client declared it supports.', async (_input, ctx) => {
    // The SDK lifts the envelope's reserved keys out of _meta into ctx.mcpReq.envelope.
    const declared = ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as Record<
      string,
      unknown
    >;
    const inputRequests: Record<string, InputRequest> = {
      ...(declared.elicitation ? { user_name: askFor('What is your name?', 'name') } : {}),
      ...(declared.sampling ? { greeting: sample('Say hello.') } : {}),
      ...(declared.roots ? { client_roots: inputRequired.listRoots() } : {}),
    };
    if (Object.keys(inputRequests).length === 0 || Object.keys(ctx.mcpReq.inputResponses ?? {}).length > 0)
      return textResult('nothing left to ask');
    return inputRequired({ inputRequests });
  });
  server.registerPrompt('test_input_required_result_prompt', { description: 'Asks for the context to use first.' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'user_context');
    if (typeof answer?.context !== 'string')
      return inputRequired({ inputRequests: { user_context: askFor('What context should the prompt use?', 'context') } }) as never;
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use this context: ${answer.context}` } }] };
  });
}
