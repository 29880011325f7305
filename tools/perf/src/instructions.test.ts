import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callgrindWrapper, readDump } from './instructions';

// Headers of a real dump: `callgrind_control --dump` of the bench's fixed-JSON server under callgrindWrapper's
// flags (threads 1, 2 and 5 of its eleven), and cg-01, the file valgrind writes for thread 1 when the process ends.
const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'callgrind');
const scratch = mkdtempSync(join(tmpdir(), 'instructions-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('callgrind counts', () => {
  it("adds every thread's instructions of the first dump, the main thread's apart, and ignores the files written at exit", () => {
    expect(readDump(fixtures)).toEqual({ allThreads: 77_995_365 + 140 + 1_325_883, mainThread: 77_995_365 });
  });

  it('refuses a folder without a dump, and a dump-named file that is not one, naming it', () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    expect(() => readDump(empty)).toThrow(`no callgrind dump (cg.1-<thread>) in ${empty}`);
    const garbage = mkdtempSync(join(scratch, 'garbage-'));
    cpSync(fixtures, garbage, { recursive: true });
    writeFileSync(join(garbage, 'cg.1-02'), 'summary: not a number\n');
    expect(() => readDump(garbage)).toThrow(`${join(garbage, 'cg.1-02')} has no "summary:" line: not a callgrind dump`);
  });

  it('has valgrind write one dump per thread into the given folder', () => {
    expect(callgrindWrapper('/x')).toEqual(
      expect.arrayContaining(['--tool=callgrind', '--separate-threads=yes', '--callgrind-out-file=/x/cg']),
    );
  });
});
