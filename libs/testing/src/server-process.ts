import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { stopAtExit } from './stop-at-exit';

const MAX_KEPT_LINES = 10_000;

export interface ServerProcessOptions {
  /** An app under apps/ (its built dist/main.js is started), or the path of an entry file. */
  app: string;
  /** Extra environment over PORT=0, HOST=127.0.0.1 and MCP_ENV=test; a key set to undefined is removed. */
  env?: Record<string, string | undefined>;
  /** Called with every stdout line as it arrives (a terminal that shows the logs live). */
  onLine?: (line: LogLine) => void;
  /**
   * The most to wait for the "listening" log line: a ceiling for a loaded machine, not an expectation (a start
   * takes about a second here, and the wait ends at the line).
   */
  startTimeoutMs?: number;
  /** Where the child writes V8 coverage for c8; defaults to <app>/coverage/e2e-raw under Vitest, none otherwise. */
  coverageDir?: string | false;
  /**
   * Node flags for the child. Under Vitest, --liftoff-only: V8's baseline WebAssembly compiler alone, so that an
   * app on PGlite starts for a test with ~25% less CPU; none otherwise (a benchmark measures what production runs).
   */
  nodeFlags?: string[];
  /**
   * false: stop reading stdout once the process listens, and let it drain unread (a benchmark, where parsing
   * thousands of log lines a second would take CPU from the server it measures). Default true.
   */
  keepLogs?: boolean;
  /** The Node binary to run it on (a benchmark on the production runtime); default this process's own. */
  node?: string;
  /** A command that runs Node under it, e.g. valgrind and its flags (the bench's --instructions); the pid is Node's. */
  wrapper?: readonly string[];
}

export interface LogLine {
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  /** The MCP endpoint, http://127.0.0.1:<port>/mcp. */
  url: string;
  /** The same origin without /mcp, for the probes. */
  baseUrl: string;
  pid: number;
  /** The JSON lines the process wrote to stdout so far (the last 10,000). */
  logs: LogLine[];
  /** Everything written to stderr. */
  stderr(): string;
  exited: Promise<Exit>;
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends the signal and waits for the exit; SIGKILLs after timeoutMs. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

/**
 * The Node flags deploy/Dockerfile's CMD runs every app with; tests and the bench run a process with them too, so
 * they measure what production runs (app-checks.test.ts fails when the two part).
 * - `--max-semi-space-size=16`: V8 sizes its young generation from the memory it may use. In a pod of
 *   deployment.yaml's 256 MiB limit Node 24 picks 1 MB semi-spaces, and the runtime's call costs far more CPU in
 *   scavenges; on an unconstrained host it picks 64 MB ones, 128 MB of RSS for garbage, for no less CPU than
 *   16 MB. (`npm run bench -- --node24` measures CPU per call with these flags.)
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ['--enable-source-maps', '--max-semi-space-size=16'];

/**
 * Starts a built app as a real process on an ephemeral loopback port and resolves once it logs that it
 * listens. The caller stops it (afterAll); a process that exits early rejects with its stderr.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const root = workspaceRoot();
  const isPath = options.app.includes('/') || options.app.endsWith('.js');
  const entry = isPath ? resolve(options.app) : join(root, 'apps', options.app, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${entry} does not exist; build it first: npx nx run ${options.app}:build`);
  }
  const coverageDir =
    options.coverageDir ?? (process.env.VITEST && !isPath ? join(root, 'apps', options.app, 'coverage', 'e2e-raw') : false);
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', MCP_ENV: 'test', ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  delete env.NODE_OPTIONS;
  if (coverageDir) env.NODE_V8_COVERAGE = coverageDir;
  else delete env.NODE_V8_COVERAGE;

  const nodeFlags = options.nodeFlags ?? (process.env.VITEST ? ['--liftoff-only'] : []);
  const [command, ...args] = [...(options.wrapper ?? []), options.node ?? process.execPath, ...nodeFlags, ...IMAGE_NODE_FLAGS, entry];
  const child = stopAtExit(spawn(command!, args, { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = parseLine(text);
    logs.push(line);
    if (logs.length > MAX_KEPT_LINES) logs.shift();
    options.onLine?.(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<Exit>((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolveLine, rejectLine) => {
      const waiter = { match, resolve: resolveLine };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        rejectLine(new Error(`no matching log line within ${timeoutMs} ms from ${entry}; stderr:\n${stderr}`));
      }, timeoutMs);
      waiter.resolve = (line) => {
        clearTimeout(timer);
        resolveLine(line);
      };
      waiters.add(waiter);
      void exited.then((exit) => {
        if (!waiters.has(waiter)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        rejectLine(
          new Error(`${entry} exited (code ${exit.code}, signal ${exit.signal}) before the expected log line; stderr:\n${stderr}`),
        );
      });
    });
  };

  const listening = await waitForLog((line) => line.msg === 'listening', options.startTimeoutMs ?? 120_000).catch(
    async (error: unknown) => {
      // Gone before this rejects: a caller whose start failed has nothing to stop.
      await stop(child, exited, 'SIGKILL', 0);
      throw error;
    },
  );
  if (options.keepLogs === false) {
    lines.close();
    child.stdout!.resume();
  }
  const url = String(listening.url);
  return {
    url,
    baseUrl: url.replace(/\/mcp$/, ''),
    pid: child.pid!,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    stop: (signal = 'SIGTERM', timeoutMs = 60_000) => stop(child, exited, signal, timeoutMs),
  };
}

async function stop(child: ChildProcess, exited: Promise<Exit>, signal: NodeJS.Signals, timeoutMs: number): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited;
  clearTimeout(timer);
  return exit;
}

function parseLine(text: string): LogLine {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as LogLine) : { msg: text };
  } catch {
    return { msg: text, unstructured: true };
  }
}
