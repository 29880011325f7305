import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callgrindMissing, callgrindWrapper, readDump } from './instructions';

// Headers of real dumps: two `callgrind_control --dump`s (50 calls, then 2 s idle) of the bench's fixed-JSON server
// under callgrindWrapper's flags (threads 1, 2 and 5 of its eleven), and cg-01, which valgrind writes at the end.
const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'callgrind');
const scratch = mkdtempSync(join(tmpdir(), 'instructions-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('callgrind counts', () => {
  it("adds every thread's instructions of a dump, the main thread's apart, and ignores other dumps and the files written at exit", () => {
    expect(readDump(fixtures, 1)).toEqual({ allThreads: 80_613_897 + 140 + 1961, mainThread: 80_613_897 });
    expect(readDump(fixtures, 2)).toEqual({ allThreads: 27_683 + 140, mainThread: 27_683 });
  });

  it('refuses a folder without a dump, and a dump-named file that is not one, naming it', () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    expect(() => readDump(empty, 1)).toThrow(`no callgrind dump (cg.1-<thread>) in ${empty}`);
    expect(() => readDump(fixtures, 3)).toThrow(`no callgrind dump (cg.3-<thread>) in ${fixtures}`);
    const garbage = mkdtempSync(join(scratch, 'garbage-'));
    cpSync(fixtures, garbage, { recursive: true });
    writeFileSync(join(garbage, 'cg.1-02'), 'summary: not a number\n');
    expect(() => readDump(garbage, 1)).toThrow(`${join(garbage, 'cg.1-02')} has no "summary:" line: not a callgrind dump`);
  });

  it('has valgrind write one dump per thread into the given folder', () => {
    expect(callgrindWrapper('/x')).toEqual(
      expect.arrayContaining(['--tool=callgrind', '--separate-threads=yes', '--callgrind-out-file=/x/cg']),
    );
  });

  it('says how to install valgrind where callgrind_control is not on the PATH', () => {
    const path = process.env.PATH;
    process.env.PATH = scratch;
    try {
      expect(callgrindMissing()).toMatch(/^valgrind is not installed \(Debian\/Ubuntu: sudo apt-get install valgrind/);
    } finally {
      process.env.PATH = path;
    }
  });
});
