import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Runs Debian's promtool (package `prometheus`, which .ci/run installs) and resolves with its output; rejects with
 * its output when it fails, and says how to install it when it is missing.
 */
export async function promtool(args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)('promtool', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error('promtool is not installed: apt-get install --no-install-recommends prometheus (.ci/run does)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${failure.stdout ?? ''}${failure.stderr ?? ''}`);
  }
}
