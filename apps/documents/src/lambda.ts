import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { defineService } from './service';

// Built at cold start: a config a function cannot serve (PGlite on a folder, sessions) fails the init with the reason.
export const { handler, streamingHandler } = await createLambdaHandlers(() => defineService({ host: 'lambda' }));
