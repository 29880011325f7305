import type { CallToolResult } from '@modelcontextprotocol/server';

export function textResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }] };
}

/** A result as `structuredContent` (checked against the tool's outputSchema) and the same JSON as text, for clients that read only text. */
export function structuredResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}
