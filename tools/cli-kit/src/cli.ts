import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Options = NonNullable<ParseArgsConfig['options']>;

export type CliResult<O extends Options> =
  | {
      ok: true;
      values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values'];
      positionals: string[];
    }
  | { ok: false; exitCode: 0 | 2; output: string };

/** Parses a script's flags. `--help` asks to print the usage (exit 0); an unknown or malformed flag is a usage error (exit 2). */
export function parseCli<O extends Options>(argv: string[], usage: string, options: O): CliResult<O> {
  if (argv.includes('--help') || argv.includes('-h')) return { ok: false, exitCode: 0, output: usage.trim() };
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { ok: true, values, positionals };
  } catch (error) {
    return { ok: false, exitCode: 2, output: `${(error as Error).message}\n\n${usage.trim()}` };
  }
}

/** parseCli for a script's entry: prints the usage or the problem and exits, so no script runs on arguments it did not understand. */
export function cliOrExit<O extends Options>(argv: string[], usage: string, options: O) {
  const result = parseCli(argv, usage, options);
  if (result.ok) return result;
  (result.exitCode === 0 ? process.stdout : process.stderr).write(`${result.output}\n`);
  process.exit(result.exitCode);
}
