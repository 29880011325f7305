import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { listeningPort, startDaemon } from './daemon';

export interface PrometheusOptions {
  /**
   * Scrape jobs: each a job name and its loopback targets (host:port) with the target labels to add, or a
   * loopback HTTP service discovery URL (http_sd, refreshed every interval) that lists them.
   */
  jobs: { name: string; targets?: string[]; labels?: Record<string, string>; httpSd?: string; honorLabels?: boolean }[];
  /** Rule files' contents (the `groups:` form promtool and Prometheus read), by file name. */
  rules?: Record<string, object>;
  /** Alertmanagers (host:port on loopback) to send the alerts to. */
  alertmanagers?: string[];
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
  const interval = `${options.intervalSeconds ?? 1}s`;
  const { port, stop } = await startDaemon({
    name: 'prometheus',
    commands: ['prometheus'],
    install: 'apt-get install --no-install-recommends prometheus',
    prepare(dir) {
      for (const [file, rules] of Object.entries(options.rules ?? {})) writeFileSync(join(dir, file), stringify(rules, { lineWidth: 0 }));
      const config = {
        global: { scrape_interval: interval, evaluation_interval: interval },
        rule_files: Object.keys(options.rules ?? {}),
        ...(options.alertmanagers && { alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] } }),
        scrape_configs: options.jobs.map((job) => ({
          job_name: job.name,
          honor_labels: job.honorLabels ?? false,
          ...(job.httpSd
            ? { http_sd_configs: [{ url: job.httpSd, refresh_interval: interval }] }
            : { static_configs: [{ targets: job.targets ?? [], labels: job.labels ?? {} }] }),
        })),
      };
      writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
    },
    args: (dir) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
    ],
    readPort: startLogReader,
    timeoutMs: options.startTimeoutMs ?? 60_000,
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
    port ??= listeningPort(line);
    ready ||= line.includes('Server is ready to receive web requests');
    return ready ? port : undefined;
  };
}
