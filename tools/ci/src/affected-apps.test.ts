import { describe, expect, it } from 'vitest';
import { affectedApps, requestedApps } from './affected-apps';

const known = ['documents', 'text-tools'];

describe('requestedApps', () => {
  it('takes commas or spaces, drops repeats, and sorts', () => {
    expect(requestedApps(' text-tools, documents text-tools ', known)).toEqual(['documents', 'text-tools']);
  });

  it('names every unknown app and lists the real ones', () => {
    expect(() => requestedApps('text-tool,docs', known)).toThrow(
      '--apps names "text-tool", "docs", which are not apps under apps/ (the apps: documents, text-tools)',
    );
  });
});

describe('affectedApps', () => {
  it('keeps the apps among the affected projects', () => {
    expect(affectedApps('["runtime","text-tools","documents","scripts"]', known)).toEqual(['documents', 'text-tools']);
    expect(affectedApps('[]', known)).toEqual([]);
  });

  it('says what nx printed when it is not a list', () => {
    expect(() => affectedApps('{"error":true}', known)).toThrow('nx show projects printed {"error":true}, not a JSON list');
  });
});
