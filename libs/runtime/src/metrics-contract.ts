import type { CallOutcome } from '@mcp-fleet/middleware';

/**
 * The runtime's metrics as a contract: the series it exports, their label values, and the PromQL that reads
 * them. The monitoring generator's alerts and the deploy's canary both build their queries here, so what an alert
 * judges by and what a canary judges by cannot drift apart; a function's EMF lines use the names below.
 * Nothing here needs the SDK or prom-client (tools import it as `@mcp-fleet/runtime/metrics-contract`).
 */
export const SERIES = {
  /** A counter by method, tool and outcome. */
  requests: 'mcp_requests_total',
  /** A histogram by method and tool, in seconds, with DURATION_BUCKETS as its edges. */
  duration: 'mcp_request_duration_seconds',
  /** A gauge: requests being served now. */
  inFlight: 'mcp_requests_in_flight',
  /** A gauge: subscriptions/listen streams open now. */
  subscriptionsOpen: 'mcp_subscriptions_open',
} as const;

/** The edges of the duration histogram, in seconds: a latency objective's threshold must be one of them. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

/**
 * The `outcome` label of mcp_requests_total: a call's outcome (CallOutcome, docs/monitoring.md "The metrics contract"), or `stream` for an
 * event stream that carried no answer to judge (a GET stream, a subscription, a stream cut before its answer).
 */
export type Outcome = CallOutcome | 'stream';

export const OUTCOMES: readonly Outcome[] = ['ok', 'tool_error', 'client_error', 'refused', 'server_error', 'stream'];

/** The one outcome that spends an availability budget and fails a canary: the server's own fault. */
export const SERVER_ERROR = 'server_error' satisfies Outcome;

/** The CloudWatch namespace of the runtime's Embedded Metric Format lines; the alarms of lambda-stack read it. */
export const EMF_NAMESPACE = 'MCPFleet';
/** The metrics of each EMF line, with their units: the names lambda-stack's alarms use. */
export const EMF_METRICS = { requests: 'Requests', serverErrors: 'ServerErrors', latency: 'Latency' } as const;

/** Labels to select by: a value, or `{ regex }` (a Grafana variable such as `$namespace` matches several). */
export type Selector = Record<string, string | { regex: string }>;

/** How a query sums: over a range as a per-second `rate` (alerts, dashboards) or a count `increase` (the canary). */
export interface Sum {
  by: readonly string[];
  range: string;
  fn?: 'rate' | 'increase';
}

const labels = (selector: Selector): string =>
  Object.entries(selector)
    .map(([name, value]) => (typeof value === 'string' ? `${name}=${JSON.stringify(value)}` : `${name}=~${JSON.stringify(value.regex)}`))
    .join(',');

const summed = (series: string, selector: Selector, { by, range, fn = 'rate' }: Sum): string =>
  `sum by (${by.join(', ')}) (${fn}(${series}{${labels(selector)}}[${range}]))`;

/** tools/call only: the latency SLI and the dashboards measure the calls a client waits on. */
const CALLS: Selector = { method: 'tools/call' };

export const promql = {
  /** Requests answered, of any outcome. */
  requests: (selector: Selector, sum: Sum) => summed(SERIES.requests, selector, sum),

  /** The availability SLI: the share of requests that were the server's fault. */
  serverErrorRatio: (selector: Selector, sum: Sum) =>
    `${promql.requests({ ...selector, outcome: SERVER_ERROR }, sum)}\n/\n${promql.requests(selector, sum)}`,

  /** tools/call answered: the latency SLI's events. */
  calls: (selector: Selector, sum: Sum) => summed(`${SERIES.duration}_count`, { ...selector, ...CALLS }, sum),

  /** The duration histogram's buckets, summed with `le` kept (add `le` to `by`). */
  durationBuckets: (selector: Selector, sum: Sum) => summed(`${SERIES.duration}_bucket`, selector, sum),

  /** The latency SLI: the share of tools/call slower than `thresholdSeconds` (an edge of DURATION_BUCKETS). */
  slowCallRatio: (selector: Selector, thresholdSeconds: number, sum: Sum) =>
    `1 - (\n  ${promql.durationBuckets({ ...selector, ...CALLS, le: String(thresholdSeconds) }, sum)}\n  /\n  ${promql.calls(selector, sum)}\n)`,

  /** The q-quantile of tools/call latency, in seconds, from the histogram. */
  callLatencyQuantile: (quantile: number, selector: Selector, sum: Sum) =>
    `histogram_quantile(${quantile}, ${promql.durationBuckets({ ...selector, ...CALLS }, { ...sum, by: [...sum.by, 'le'] })})`,

  /** Requests in flight, summed by `by`. */
  inFlight: (selector: Selector, by: readonly string[], aggregate: 'sum' | 'max' = 'sum') =>
    `${aggregate} by (${by.join(', ')}) (${SERIES.inFlight}{${labels(selector)}})`,
};
