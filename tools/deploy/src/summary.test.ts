import { describe, expect, it } from 'vitest';
import { markdownSummary } from './summary';

describe('markdownSummary', () => {
  it('is a row per app, and the failure report in a code block', () => {
    const markdown = markdownSummary(
      [
        {
          app: 'text-tools',
          image: 'ghcr.io/acme/text-tools@sha256:aa',
          previousImage: 'ghcr.io/acme/text-tools:old',
          status: 'rolled-out',
        },
        {
          app: 'documents',
          image: 'ghcr.io/acme/documents@sha256:bb',
          previousImage: 'ghcr.io/acme/documents:old',
          status: 'rolled-back',
          report: 'documents: rollout of ghcr.io/acme/documents@sha256:bb failed: progress deadline exceeded',
        },
      ],
      'mcp-fleet-staging',
    );
    expect(markdown.split('\n')).toEqual([
      '### Deploy to mcp-fleet-staging',
      '',
      '| app | image | outcome |',
      '| --- | --- | --- |',
      '| text-tools | `ghcr.io/acme/text-tools@sha256:aa` | ✅ rolled out |',
      '| documents | `ghcr.io/acme/documents@sha256:bb` | ❌ rolled back, back on `ghcr.io/acme/documents:old` |',
      '',
      '#### documents',
      '',
      '```text',
      'documents: rollout of ghcr.io/acme/documents@sha256:bb failed: progress deadline exceeded',
      '```',
      '',
    ]);
  });
});
