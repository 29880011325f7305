// Where a canary's numbers come from: the fleet's Prometheus when a URL is given, otherwise each pod's own
// /metrics through the API server's pod proxy. Both give the same Measurement for the same window, so the
// judging (canary-analysis.ts) never knows which was used. Anything unreadable throws: a measurement error.
import { promql, SERIES, SERVER_ERROR } from '@mcp-fleet/runtime/metrics-contract';
import type { Measurement, TrackSample } from './canary-analysis';
import type { Kubectl } from './rollout';

/** The pod label that tells the canary's pods from the stable ones (the stable Deployment's selector carries it). */
export const TRACK = 'app.kubernetes.io/track';

export interface MetricsSource {
  /** Says where the numbers come from, for the log. */
  describe: string;
  /** Marks the start of the first window; `signal` stops its reads. */
  begin(signal?: AbortSignal): Promise<void>;
  /** The window since the last call (or begin), per track; throws when it cannot be read, or reads nonsense. */
  next(signal?: AbortSignal): Promise<Measurement>;
}

/** One pod's counters, and when its process started: a start time that changed is a restart. */
export interface PodSample extends TrackSample {
  startTime: number;
}

/** A number a counter or a bucket can hold: finite and not negative. Anything else is a measurement error. */
function countOf(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${what} is ${text}, not a count`);
  return value;
}

/** A histogram bucket's upper bound: a positive number, or +Inf. */
function boundOf(le: string | undefined): number {
  const bound = le === '+Inf' ? Infinity : Number(le);
  if (!(bound > 0)) throw new Error(`a histogram bucket's le is ${JSON.stringify(le)}, not a bound`);
  return bound;
}

const empty = (): TrackSample => ({ requests: 0, serverErrors: 0, buckets: [] });

function addSample(into: TrackSample, sample: TrackSample, sign = 1): void {
  into.requests += sign * sample.requests;
  into.serverErrors += sign * sample.serverErrors;
  for (const [le, count] of sample.buckets) {
    const bucket = into.buckets.find(([bound]) => bound === le);
    if (bucket) bucket[1] += sign * count;
    else into.buckets.push([le, sign * count]);
  }
  into.buckets.sort(([a], [b]) => a - b);
}

/** The samples a canary reads from a /metrics page: series name, labels, value. */
const SAMPLE_LINE = new RegExp(`^(${SERIES.requests}|${SERIES.duration}_bucket|process_start_time_seconds)(?:\\{([^}]*)\\})?\\s+(\\S+)`);

/**
 * The request counters and latency histogram of one /metrics page, summed over methods and tools, and the process's
 * start time. A value that is no count, a bucket without a bound, or a missing start time is an error.
 */
export function sampleOfExposition(text: string): PodSample {
  const sample: PodSample = { ...empty(), startTime: Number.NaN };
  let seen = false;
  const bucketSeries = `${SERIES.duration}_bucket`;
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]));
    const value = countOf(match[3]!, `the sample ${line.slice(0, 200)}`);
    if (match[1] === 'process_start_time_seconds') sample.startTime = value;
    else if (match[1] === SERIES.requests) {
      seen = true;
      sample.requests += value;
      if (labels.outcome === SERVER_ERROR) sample.serverErrors += value;
    } else if (match[1] === bucketSeries) {
      addSample(sample, { requests: 0, serverErrors: 0, buckets: [[boundOf(labels.le), value]] });
    }
  }
  if (!seen) throw new Error(`no ${SERIES.requests} series: is this an MCP service on the fleet runtime?`);
  if (!(sample.startTime > 0)) throw new Error('no process_start_time_seconds: a restart of the pod could not be told from its counters');
  return sample;
}

interface PodList {
  items: {
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    status?: { conditions?: { type: string; status: string }[] };
  }[];
}

/**
 * Each ready pod's /metrics, read through the API server's pod proxy at the start and end of a window; a pod's
 * window is its counters' growth, all of them for a pod new in the window or restarted in it (its process start
 * time changed). A counter lower than before without a restart is an error, never a negative window.
 */
export function podProxySource(
  kubectl: Kubectl,
  target: { flags: string[]; namespace: string; selectors: Record<'stable' | 'canary', string>; port: number },
): MetricsSource {
  let last = new Map<string, PodSample>();
  const read = async (signal?: AbortSignal): Promise<Map<string, { track: 'stable' | 'canary'; sample: PodSample }>> => {
    const pods = new Map<string, { track: 'stable' | 'canary'; sample: PodSample }>();
    for (const track of ['stable', 'canary'] as const) {
      const listed = await kubectl([...target.flags, 'get', 'pods', '-l', target.selectors[track], '-o', 'json'], undefined, signal);
      if (listed.code !== 0) throw new Error(`kubectl get pods -l ${target.selectors[track]}: ${listed.stderr.trim()}`);
      const ready = (JSON.parse(listed.stdout) as PodList).items.filter((pod) =>
        pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      if (ready.length === 0) throw new Error(`no ready ${track} pod (-l ${target.selectors[track]})`);
      // All of a track's pods at once: the window's ends are as close to the same instant as kubectl allows.
      const pages = await Promise.all(
        ready.map((pod) =>
          kubectl(
            [
              ...target.flags,
              'get',
              '--raw',
              `/api/v1/namespaces/${target.namespace}/pods/${pod.metadata.name}:${target.port}/proxy/metrics`,
            ],
            undefined,
            signal,
          ),
        ),
      );
      ready.forEach((pod, index) => {
        const page = pages[index]!;
        try {
          if (page.code !== 0) throw new Error(page.stderr.trim());
          pods.set(pod.metadata.name, { track, sample: sampleOfExposition(page.stdout) });
        } catch (error) {
          throw new Error(`pod ${pod.metadata.name}'s /metrics: ${(error as Error).message}`);
        }
      });
    }
    return pods;
  };
  return {
    describe: `each pod's /metrics through the API server (port ${target.port})`,
    async begin(signal) {
      last = new Map([...(await read(signal))].map(([name, pod]) => [name, pod.sample]));
    },
    async next(signal) {
      const now = await read(signal);
      const window: Measurement = { stable: empty(), canary: empty() };
      for (const [name, pod] of now) {
        const before = last.get(name);
        const grown = {
          requests: pod.sample.requests,
          serverErrors: pod.sample.serverErrors,
          buckets: pod.sample.buckets.map(([le, count]): [number, number] => [le, count]),
        };
        if (before?.startTime === pod.sample.startTime) {
          addSample(grown, before, -1);
          if (grown.requests < 0 || grown.serverErrors < 0 || grown.buckets.some(([, count]) => count < 0)) {
            throw new Error(
              `pod ${name}'s counters went down with no restart (process_start_time_seconds unchanged): its /metrics cannot be trusted`,
            );
          }
        }
        addSample(window[pod.track], grown);
      }
      last = new Map([...now].map(([name, pod]) => [name, pod.sample]));
      return window;
    },
  };
}

interface PromVector {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] };
}

/** The label Prometheus gives the pods' track (a ServiceMonitor's podTargetLabels, sanitised as the operator does). */
export const TRACK_LABEL = TRACK.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * The fleet's Prometheus: the increase of the app's counters over the window, by track, at its end. These are
 * the queries the canary sends (docs/deploy.md shows them).
 */
export function prometheusQueries(app: string, namespace: string, windowSeconds: number): { requests: string; latency: string } {
  const selector = { namespace, service: app };
  const range = `${windowSeconds}s`;
  return {
    requests: promql.requests(selector, { by: [TRACK_LABEL, 'outcome'], range, fn: 'increase' }),
    latency: promql.durationBuckets(selector, { by: [TRACK_LABEL, 'le'], range, fn: 'increase' }),
  };
}

export function prometheusSource(url: string, app: string, namespace: string, timeoutMs = 10_000): MetricsSource {
  let since = Date.now();
  const query = async (expr: string, at: number, signal?: AbortSignal) => {
    const endpoint = new URL('api/v1/query', url.endsWith('/') ? url : `${url}/`);
    endpoint.search = new URLSearchParams({ query: expr, time: String(at / 1000) }).toString();
    let body: PromVector;
    try {
      const response = await fetch(endpoint, {
        signal: signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), signal]) : AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      try {
        body = JSON.parse(text) as PromVector;
      } catch {
        throw new Error(`HTTP ${response.status}, not a Prometheus answer: ${text.slice(0, 120)}`);
      }
    } catch (error) {
      throw new Error(
        `Prometheus at ${url}: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`,
      );
    }
    if (body.status !== 'success' || body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
      throw new Error(`Prometheus at ${url} answered ${body.status ?? 'no status'}: ${body.error ?? JSON.stringify(body).slice(0, 120)}`);
    }
    return body.data.result;
  };
  return {
    describe: `Prometheus at ${url}`,
    async begin() {
      since = Date.now();
    },
    async next(signal) {
      const at = Date.now();
      const queries = prometheusQueries(app, namespace, Math.max(1, Math.round((at - since) / 1000)));
      const [requests, latency] = await Promise.all([query(queries.requests, at, signal), query(queries.latency, at, signal)]);
      since = at;
      if (requests.length > 0 && !requests.some(({ metric }) => metric[TRACK_LABEL])) {
        throw new Error(
          `the series have no ${TRACK_LABEL} label: add podTargetLabels: [${TRACK}] to the app's ServiceMonitor (nx g @mcp-fleet/nx-plugin:monitoring)`,
        );
      }
      const window: Measurement = { stable: empty(), canary: empty() };
      const sink = empty();
      const trackOf = (metric: Record<string, string>) =>
        metric[TRACK_LABEL] === 'canary' ? window.canary : metric[TRACK_LABEL] === 'stable' ? window.stable : sink;
      // Prometheus writes NaN and ±Inf as strings like any value: each must be a count, or the interval is an error.
      for (const { metric, value } of requests) {
        const count = countOf(String(value?.[1]), `Prometheus's increase of ${SERIES.requests}${JSON.stringify(metric)}`);
        trackOf(metric).requests += count;
        if (metric.outcome === SERVER_ERROR) trackOf(metric).serverErrors += count;
      }
      for (const { metric, value } of latency) {
        const count = countOf(String(value?.[1]), `Prometheus's increase of ${SERIES.duration}_bucket${JSON.stringify(metric)}`);
        addSample(trackOf(metric), { requests: 0, serverErrors: 0, buckets: [[boundOf(metric.le), count]] });
      }
      return window;
    },
  };
}
