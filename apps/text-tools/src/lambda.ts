import { createLambdaHandlers } from '@mcp-fleet/runtime/lambda';
import { defineService } from './service';

// Built at cold start: a config a function cannot serve fails the function's init with the reason.
export const { handler, streamingHandler } = await createLambdaHandlers(defineService);
