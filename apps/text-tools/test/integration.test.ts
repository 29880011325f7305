import { createTestClient, createTestMiddleware, type TestClient } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, FORMATS_URI } from '../src/server';

describe.each(['modern', 'legacy'] as const)('text-tools over the %s protocol era', (era) => {
  let harness: TestClient;
  beforeAll(async () => {
    harness = await createTestClient(() => createServer({ middleware: createTestMiddleware().middleware }), { era });
  });
  afterAll(() => harness.close());

  it('negotiates the era it was asked for', () => {
    expect(harness.protocolVersion).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
  });

  it('lists its tools with their input schemas', async () => {
    const { tools } = await harness.client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['calculate_sum', 'echo', 'format_text', 'wait']);
    const formatTool = tools.find((tool) => tool.name === 'format_text');
    expect(formatTool?.inputSchema.properties?.format).toMatchObject({ enum: ['uppercase', 'lowercase', 'capitalize', 'title'] });
  });

  it('calls calculate_sum and returns structured content', async () => {
    const result = await harness.client.callTool({ name: 'calculate_sum', arguments: { numbers: [1, 2, 3, 4, 5] } });
    expect(result.structuredContent).toEqual({ sum: 15 });
    expect(result.content).toEqual([{ type: 'text', text: '{"sum":15}' }]);
  });

  it('formats text', async () => {
    const result = await harness.client.callTool({ name: 'format_text', arguments: { text: 'hello world', format: 'uppercase' } });
    expect(result.content).toEqual([{ type: 'text', text: 'HELLO WORLD' }]);
  });

  it('rejects an unknown format naming the valid ones', async () => {
    const result = await harness.client.callTool({ name: 'format_text', arguments: { text: 'x', format: 'shouting' } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('\\"uppercase\\"|\\"lowercase\\"|\\"capitalize\\"|\\"title\\"');
  });

  it('answers an unknown tool with a protocol error naming it', async () => {
    await expect(harness.client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow('Tool no_such_tool not found');
  });

  it('reads the formats resource', async () => {
    const { contents } = await harness.client.readResource({ uri: FORMATS_URI });
    const formats = JSON.parse(String((contents[0] as { text: string }).text)) as { format: string }[];
    expect(formats.map((entry) => entry.format)).toEqual(['uppercase', 'lowercase', 'capitalize', 'title']);
  });

  it('fills in the format_request prompt', async () => {
    const prompt = await harness.client.getPrompt({ name: 'format_request', arguments: { text: 'hi there', format: 'title' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Use format_text to format this text as title:\n\nhi there' });
  });
});
