// Prints, as JSON, what each script named prints for --help and the code it exits with, all from this one
// process: each is imported with `--help` as its arguments and stops at its process.exit. One process and one
// TypeScript loader for every script, instead of a Node start and a cold compile each.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const usage = `Usage: node --import tsx tools/docs-check/print-helps.ts SCRIPT...

Prints {"<script>": {"code": N, "output": "…"}} for each SCRIPT's --help (stdout and stderr together).`;

class Exited extends Error {
  constructor(readonly code: number) {
    super(`exited ${code}`);
  }
}

const scripts = process.argv.slice(2);
if (scripts.length === 0 || scripts[0] === '--help') {
  process.stdout.write(`${usage}\n`);
  process.exit(scripts.length === 0 ? 2 : 0);
}

const { exit } = process;
const writes = { stdout: process.stdout.write, stderr: process.stderr.write };
const helps: Record<string, { code: number; output: string }> = {};
for (const script of scripts) {
  let output = '';
  const capture = ((chunk: string | Uint8Array) => ((output += String(chunk)), true)) as typeof process.stdout.write;
  process.argv = [process.argv[0]!, resolve(script), '--help'];
  process.stdout.write = capture;
  process.stderr.write = capture;
  process.exit = ((code?: number) => {
    throw new Exited(code ?? 0);
  }) as typeof process.exit;
  let code = 0;
  try {
    await import(pathToFileURL(resolve(script)).href);
  } catch (error) {
    if (error instanceof Exited) code = error.code;
    else {
      code = 1;
      output += `\n${(error as Error).stack ?? String(error)}`;
    }
  } finally {
    process.stdout.write = writes.stdout;
    process.stderr.write = writes.stderr;
    process.exit = exit;
  }
  helps[script] = { code, output };
}
process.stdout.write(`${JSON.stringify(helps)}\n`, () => exit(0));
