import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliOrExit, parseCli } from './cli';

const usage = '\nUsage: thing [--count N] [--dry-run]\n';
const options = { count: { type: 'string' }, 'dry-run': { type: 'boolean' } } as const;

describe('parseCli', () => {
  it('returns the flags and positionals', () => {
    expect(parseCli(['--count', '3', 'apps/x', '--dry-run'], usage, options)).toEqual({
      ok: true,
      values: { count: '3', 'dry-run': true },
      positionals: ['apps/x'],
    });
  });

  it('asks to print the usage for --help and -h', () => {
    expect(parseCli(['--count', '3', '--help'], usage, options)).toEqual({
      ok: false,
      exitCode: 0,
      output: 'Usage: thing [--count N] [--dry-run]',
    });
    expect(parseCli(['-h'], usage, options)).toMatchObject({ exitCode: 0 });
  });

  it('names an unknown flag and shows the usage, as a usage error', () => {
    const result = parseCli(['--cuont', '3'], usage, options);
    expect(result).toMatchObject({ ok: false, exitCode: 2 });
    expect(!result.ok && result.output).toMatch(/Unknown option '--cuont'[\s\S]*Usage: thing/);
  });
});

describe('cliOrExit', () => {
  afterEach(() => vi.restoreAllMocks());

  function run(argv: string[]) {
    const written: Record<'out' | 'err', string> = { out: '', err: '' };
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => ((written.out += String(text)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => ((written.err += String(text)), true));
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    let exit = 'none';
    try {
      cliOrExit(argv, usage, options);
    } catch (error) {
      exit = (error as Error).message;
    }
    return { exit, ...written };
  }

  it('prints the usage on stdout and exits 0 for --help', () => {
    expect(run(['--help'])).toEqual({ exit: 'exit 0', out: 'Usage: thing [--count N] [--dry-run]\n', err: '' });
  });

  it('prints the problem on stderr and exits 2 for a bad flag', () => {
    const result = run(['--nope']);
    expect(result.exit).toBe('exit 2');
    expect(result.err).toContain("Unknown option '--nope'");
  });

  it('returns the parsed flags when they are fine', () => {
    expect(run(['--count', '1']).exit).toBe('none');
  });
});
