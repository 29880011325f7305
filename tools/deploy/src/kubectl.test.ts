import { waitUntil } from '@mcp-fleet/testing';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubectl } from './kubectl';

// A stand-in kubectl first on PATH: it counts its runs and, while the count is under STRUCK, is killed by
// SIGINT as if a Ctrl-C to deploy's group had reached it before it left the group.
let bin: string;
const path = process.env.PATH;
beforeEach(() => {
  bin = mkdtempSync(join(tmpdir(), 'kubectl-stand-in-'));
  writeFileSync(
    join(bin, 'kubectl'),
    `#!/bin/sh\nruns=$(( $(cat "${bin}/runs" 2>/dev/null || echo 0) + 1 ))\necho $runs > "${bin}/runs"\n` +
      `[ "$runs" -le "$STRUCK" ] && kill -INT $$\n[ -n "$NAP" ] && exec sleep "$NAP"\necho "ran $*"\n`,
  );
  chmodSync(join(bin, 'kubectl'), 0o755);
  process.env.PATH = `${bin}:${path}`;
});
afterEach(() => {
  process.env.PATH = path;
  delete process.env.STRUCK;
  delete process.env.NAP;
  rmSync(bin, { recursive: true, force: true });
});
const runs = () => Number(readFileSync(join(bin, 'runs'), 'utf8'));

describe('kubectl', () => {
  it('starts kubectl again when a signal meant for its parent killed it', async () => {
    process.env.STRUCK = '2';
    expect(await kubectl(['get', 'pods'])).toEqual({ code: 0, stdout: 'ran get pods\n', stderr: '' });
    expect(runs()).toBe(3);
  });

  it('gives up after two restarts and says what killed it', async () => {
    process.env.STRUCK = '9';
    expect(await kubectl(['get', 'pods'])).toEqual({ code: 1, stdout: '', stderr: 'kubectl was killed by SIGINT' });
    expect(runs()).toBe(3);
  });

  it('never restarts a kubectl its own signal stopped', async () => {
    process.env.STRUCK = '0';
    process.env.NAP = '30';
    const stop = new AbortController();
    const result = kubectl(['rollout', 'status', 'deployment/x'], undefined, stop.signal);
    await waitUntil(() => existsSync(join(bin, 'runs')), { what: 'the stand-in kubectl started' });
    stop.abort();
    expect((await result).code).not.toBe(0);
    expect(runs()).toBe(1);
  });
});
