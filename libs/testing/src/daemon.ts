import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopAtExit } from './stop-at-exit';

export interface Daemon {
  /** Its throwaway folder (configuration, storage), removed by stop(). */
  dir: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts one of the monitoring daemons (Prometheus, Alertmanager) on a free loopback port with a throwaway folder,
 * and resolves once `readPort`, fed its log lines, has found the port it listens on. On any failure to start, the
 * process and the folder are gone before the error (its log included) is thrown.
 */
export async function startDaemon(options: {
  name: string;
  /** The commands to try in turn (a package may name its binary differently). */
  commands: readonly string[];
  /** What to install when none is found. */
  install: string;
  args: (dir: string) => string[];
  /** Writes its configuration into the folder before it starts. */
  prepare: (dir: string) => void;
  readPort: () => (line: string) => number | undefined;
  timeoutMs: number;
}): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), `${options.name}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    options.prepare(dir);
  } catch (error) {
    remove();
    throw error;
  }
  let lastError: unknown;
  for (const command of options.commands) {
    try {
      return await run(command, dir, options, remove);
    } catch (error) {
      lastError = error;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') break;
    }
  }
  remove();
  if ((lastError as NodeJS.ErrnoException).code === 'ENOENT')
    throw new Error(
      `${options.name} is not installed (${options.commands.join(' or ')}): ${options.install} (tools/dev/provision.sh does)`,
    );
  throw lastError;
}

async function run(command: string, dir: string, options: Parameters<typeof startDaemon>[0], remove: () => void): Promise<Daemon> {
  const child = stopAtExit(spawn(command, options.args(dir), { stdio: ['ignore', 'ignore', 'pipe'] }));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const log: string[] = [];
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    remove();
  };
  const port = await new Promise<number>((resolve, reject) => {
    const readPort = options.readPort();
    const timer = setTimeout(
      () => reject(new Error(`${options.name} was not ready within ${options.timeoutMs} ms:\n${log.join('\n')}`)),
      options.timeoutMs,
    );
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited before it was ready:\n${log.join('\n')}`));
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (log.length < 200) log.push(line);
      const port = readPort(line);
      if (port) {
        clearTimeout(timer);
        resolve(port);
      }
    });
  }).catch(async (error: unknown) => {
    // A command that does not exist never started: nothing to stop, and the folder is kept for the next one.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw error;
    await stop();
    throw error;
  });
  return { dir, port, stop };
}

/** The port of a Prometheus-family daemon's `msg="Listening on" address=…` log line. */
export const listeningPort = (line: string): number | undefined =>
  Number(/msg="Listening on" address=[\d.]+:(\d+)/.exec(line)?.[1]) || undefined;
