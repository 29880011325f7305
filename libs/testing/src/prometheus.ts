import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopAtExit } from './stop-at-exit';
import { stringify } from 'yaml';

export interface PrometheusOptions {
  /**
   * Scrape jobs: each a job name and its loopback targets (host:port) with the target labels to add, or a
   * loopback HTTP service discovery URL (http_sd, refreshed every interval) that lists them.
   */
  jobs: { name: string; targets?: string[]; labels?: Record<string, string>; httpSd?: string; honorLabels?: boolean }[];
  /** Rule files' contents (the `groups:` form promtool and Prometheus read), by file name. */
  rules?: Record<string, object>;
  /** Seconds between scrapes and between rule evaluations. Default 1. */
  intervalSeconds?: number;
  /** The most to wait for the server to say it is ready; a ceiling for a loaded machine. */
  startTimeoutMs?: number;
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface RunningPrometheus {
  url: string;
  /** An instant query's result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** The alerts pending or firing now. */
  alerts(): Promise<PrometheusAlert[]>;
  stop(): Promise<void>;
}

/**
 * Starts Debian's real Prometheus (package `prometheus`) on a free loopback port, with a throwaway storage
 * folder, scraping the given loopback targets and evaluating the given rules; resolves once it is ready.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const interval = `${options.intervalSeconds ?? 1}s`;
  for (const [file, rules] of Object.entries(options.rules ?? {})) writeFileSync(join(dir, file), stringify(rules, { lineWidth: 0 }));
  const config = {
    global: { scrape_interval: interval, evaluation_interval: interval },
    rule_files: Object.keys(options.rules ?? {}),
    scrape_configs: options.jobs.map((job) => ({
      job_name: job.name,
      honor_labels: job.honorLabels ?? false,
      ...(job.httpSd
        ? { http_sd_configs: [{ url: job.httpSd, refresh_interval: interval }] }
        : { static_configs: [{ targets: job.targets ?? [], labels: job.labels ?? {} }] }),
    })),
  };
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const child = stopAtExit(
    spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    ),
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const log: string[] = [];
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const port = await new Promise<number>((resolve, reject) => {
    const readPort = startLogReader();
    const timer = setTimeout(() => reject(new Error(`prometheus was not ready within ${timeoutMs} ms:\n${log.join('\n')}`)), timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new Error('prometheus is not installed: apt-get install --no-install-recommends prometheus (.ci/run does)')
          : error,
      );
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`prometheus exited before it was ready:\n${log.join('\n')}`));
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
    await stop();
    throw error;
  });

  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}/api/v1/${path}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? response.status}`);
    return body.data;
  };
  return {
    url,
    query: async (expr) =>
      (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`query?query=${encodeURIComponent(expr)}`))
        .result,
    alerts: async () => (await api<{ alerts: PrometheusAlert[] }>('alerts')).alerts,
    stop,
  };
}

/**
 * Reads Prometheus's start log line by line; returns its port once it has logged both the port and its readiness.
 * Two goroutines log them, so they come in either order.
 */
export function startLogReader(): (line: string) => number | undefined {
  let port: number | undefined;
  let ready = false;
  return (line) => {
    port ??= Number(/msg="Listening on" address=[\d.]+:(\d+)/.exec(line)?.[1]) || undefined;
    ready ||= line.includes('Server is ready to receive web requests');
    return ready ? port : undefined;
  };
}
