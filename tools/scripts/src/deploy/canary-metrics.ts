// Where a canary's numbers come from: the fleet's Prometheus when a URL is given, otherwise each pod's own
// /metrics through the API server's pod proxy. Both give the same Measurement for the same window, so the
// judging (canary-analysis.ts) never knows which was used. Anything unreadable throws: a measurement error.
import type { Measurement, TrackSample } from './canary-analysis';
import type { Kubectl } from './rollout';

/** The pod label that tells the canary's pods from the stable ones (the stable Deployment's selector carries it). */
export const TRACK = 'app.kubernetes.io/track';

export interface MetricsSource {
  /** Says where the numbers come from, for the log. */
  describe: string;
  /** Marks the start of the first window. */
  begin(): Promise<void>;
  /** The window since the last call (or begin), per track; throws when it cannot be read. */
  next(): Promise<Measurement>;
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

/** The request counters and latency histogram of one /metrics page, summed over methods and tools. */
export function sampleOfExposition(text: string): TrackSample {
  const sample = empty();
  let seen = false;
  for (const line of text.split('\n')) {
    const match = /^(mcp_requests_total|mcp_request_duration_seconds_bucket)\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((label) => [label[1], label[2]]));
    const value = Number(match[3]);
    if (!Number.isFinite(value)) throw new Error(`unreadable sample: ${line}`);
    if (match[1] === 'mcp_requests_total') {
      seen = true;
      sample.requests += value;
      if (labels.outcome === 'server_error') sample.serverErrors += value;
    } else {
      addSample(sample, { requests: 0, serverErrors: 0, buckets: [[labels.le === '+Inf' ? Infinity : Number(labels.le), value]] });
    }
  }
  if (!seen) throw new Error('no mcp_requests_total series: is this an MCP service on the fleet runtime?');
  return sample;
}

interface PodList {
  items: { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } }[];
}

/**
 * Each ready pod's /metrics, read through the API server's pod proxy at the start and end of a window; a pod's
 * window is its counters' growth (all of them for a pod new in the window or restarted in it).
 */
export function podProxySource(kubectl: Kubectl, target: { flags: string[]; namespace: string; selectors: Record<'stable' | 'canary', string>; port: number }): MetricsSource {
  let last = new Map<string, TrackSample>();
  const read = async (): Promise<Map<string, { track: 'stable' | 'canary'; sample: TrackSample }>> => {
    const pods = new Map<string, { track: 'stable' | 'canary'; sample: TrackSample }>();
    for (const track of ['stable', 'canary'] as const) {
      const listed = await kubectl([...target.flags, 'get', 'pods', '-l', target.selectors[track], '-o', 'json']);
      if (listed.code !== 0) throw new Error(`kubectl get pods -l ${target.selectors[track]}: ${listed.stderr.trim()}`);
      const ready = (JSON.parse(listed.stdout) as PodList).items.filter((pod) => pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      if (ready.length === 0) throw new Error(`no ready ${track} pod (-l ${target.selectors[track]})`);
      // All of a track's pods at once: the window's ends are as close to the same instant as kubectl allows.
      const pages = await Promise.all(ready.map((pod) => kubectl([...target.flags, 'get', '--raw', `/api/v1/namespaces/${target.namespace}/pods/${pod.metadata.name}:${target.port}/proxy/metrics`])));
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
    async begin() {
      last = new Map([...(await read())].map(([name, pod]) => [name, pod.sample]));
    },
    async next() {
      const now = await read();
      const window: Measurement = { stable: empty(), canary: empty() };
      for (const [name, pod] of now) {
        addSample(window[pod.track], pod.sample);
        const before = last.get(name);
        // A counter lower than before means the pod restarted in the window: all it counts is new.
        if (before && before.requests <= pod.sample.requests) addSample(window[pod.track], before, -1);
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
 * the queries the canary sends (the README shows them).
 */
export function prometheusQueries(app: string, namespace: string, windowSeconds: number): { requests: string; latency: string } {
  const selector = `namespace="${namespace}",service="${app}"`;
  return {
    requests: `sum by (${TRACK_LABEL}, outcome) (increase(mcp_requests_total{${selector}}[${windowSeconds}s]))`,
    latency: `sum by (${TRACK_LABEL}, le) (increase(mcp_request_duration_seconds_bucket{${selector}}[${windowSeconds}s]))`,
  };
}

export function prometheusSource(url: string, app: string, namespace: string, timeoutMs = 10_000): MetricsSource {
  let since = Date.now();
  const query = async (expr: string, at: number) => {
    const endpoint = new URL('api/v1/query', url.endsWith('/') ? url : `${url}/`);
    endpoint.search = new URLSearchParams({ query: expr, time: String(at / 1000) }).toString();
    let body: PromVector;
    try {
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      try {
        body = JSON.parse(text) as PromVector;
      } catch {
        throw new Error(`HTTP ${response.status}, not a Prometheus answer: ${text.slice(0, 120)}`);
      }
    } catch (error) {
      throw new Error(`Prometheus at ${url}: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`);
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
    async next() {
      const at = Date.now();
      const queries = prometheusQueries(app, namespace, Math.max(1, Math.round((at - since) / 1000)));
      const [requests, latency] = await Promise.all([query(queries.requests, at), query(queries.latency, at)]);
      since = at;
      if (requests.length > 0 && !requests.some(({ metric }) => metric[TRACK_LABEL])) {
        throw new Error(`the series have no ${TRACK_LABEL} label: add podTargetLabels: [${TRACK}] to the app's ServiceMonitor (nx g @mcp-fleet/nx-plugin:monitoring)`);
      }
      const window: Measurement = { stable: empty(), canary: empty() };
      const sink = empty();
      const trackOf = (metric: Record<string, string>) => (metric[TRACK_LABEL] === 'canary' ? window.canary : metric[TRACK_LABEL] === 'stable' ? window.stable : sink);
      for (const { metric, value } of requests) {
        const count = Number(value[1]);
        trackOf(metric).requests += count;
        if (metric.outcome === 'server_error') trackOf(metric).serverErrors += count;
      }
      for (const { metric, value } of latency) addSample(trackOf(metric), { requests: 0, serverErrors: 0, buckets: [[metric.le === '+Inf' ? Infinity : Number(metric.le), Number(value[1])]] });
      return window;
    },
  };
}
