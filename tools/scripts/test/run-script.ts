import { join } from 'node:path';
import { runScript as runProjectScript, type ScriptRun } from '@mcp-fleet/cli-kit/testing';

/** Runs one of tools/scripts' entry files as a real process, from the bundle its global setup made. */
export const runScript = (script: string, args: string[], options?: Parameters<typeof runProjectScript>[3]): Promise<ScriptRun> =>
  runProjectScript(join(import.meta.dirname, '..'), script, args, options);
