import { promql, SERIES, SERVER_ERROR } from '@mcp-fleet/runtime/metrics-contract';
import { errorBudget, latencyThresholdSeconds, round, type Objectives, type Slo } from './objectives';

/**
 * The labels the fleet's Prometheus selects its ServiceMonitors and PrometheusRules by (its serviceMonitorSelector
 * and ruleSelector). Every monitoring object carries them, and the app checks refuse one that does not: a rule the
 * operator never picks up is the commonest way for an alert to be silently missing.
 */
export const OPERATOR_LABELS = { prometheus: 'mcp-fleet' };

/** Options of one rendering. `scale` shortens every window and `for` (the live test's 1/60 turns 1 h into 60 s). */
export interface RenderOptions {
  scale?: number;
}

/** A window of the multi-window, multi-burn-rate alerts, in seconds, by the name its recording rule carries. */
const WINDOWS = { '5m': 300, '30m': 1800, '1h': 3600, '2h': 7200, '6h': 21_600, '1d': 86_400, '3d': 259_200 } as const;
type Window = keyof typeof WINDOWS;
const PERIOD = '30d';
const PERIOD_SECONDS = 30 * 86_400;

/**
 * The SRE workbook's alerts, as Sloth and Pyrra make them: a page when 2% (14.4x over 1 h) or 5% (6x over 6 h) of
 * the 30-day budget burns, each confirmed by a window a twelfth as long so it stops soon after the burn does; a
 * ticket at 10% (3x over 1 d) or 100% (1x over 3 d). A fast burn raises both: the alert routing holds the ticket
 * back while the page fires (routing.ts), and sends it once the page resolves if the budget is still burning.
 */
const BURNS = {
  page: {
    for: 120,
    pairs: [
      { factor: 14.4, long: '1h', short: '5m' },
      { factor: 6, long: '6h', short: '30m' },
    ],
  },
  ticket: {
    for: 900,
    pairs: [
      { factor: 3, long: '1d', short: '2h' },
      { factor: 1, long: '3d', short: '6h' },
    ],
  },
} as const satisfies Record<string, { for: number; pairs: { factor: number; long: Window; short: Window }[] }>;

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A Prometheus duration for `seconds` scaled, in the largest whole unit (at least 1 s). */
export function duration(seconds: number, scale = 1): string {
  const scaled = Math.max(1, Math.round(seconds * scale));
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const)
    if (scaled % size === 0) return `${scaled / size}${unit}`;
  return `${scaled}s`;
}

/** The ServiceMonitor that has the fleet's Prometheus scrape the app's Service, and only it. */
export function serviceMonitor(app: string): object {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: app, labels: { ...OPERATOR_LABELS } },
    spec: {
      // Written out, not left to kustomize: its `labels` never reach a custom resource's selector.
      selector: { matchLabels: { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'mcp-fleet' } },
      // Which pods are a release's canary (app_kubernetes_io_track="canary"): deploy --strategy canary compares them
      // with the stable ones through this label.
      podTargetLabels: ['app.kubernetes.io/track'],
      endpoints: [
        {
          port: 'http',
          path: '/metrics',
          interval: '15s',
          // The runtime labels every series with service="<app>", the name the rules select by; the operator's own
          // `service` target label (the Service's name, the same here) would otherwise push it to exported_service.
          honorLabels: true,
        },
      ],
    },
  };
}

/** The SLIs' error ratio over `range`, by namespace (staging and production burn their own budgets). */
function errorRatio(app: string, slo: Slo, range: string, thresholdSeconds: number): string {
  const sum = { by: ['namespace'], range };
  return slo === 'availability'
    ? promql.serverErrorRatio({ service: app }, sum)
    : promql.slowCallRatio({ service: app }, thresholdSeconds, sum);
}

/** The events an SLO counts over `range`: the minimum-traffic guard compares it with minRequests. */
function events(app: string, slo: Slo, range: string): string {
  const sum = { by: ['namespace'], range, fn: 'increase' } as const;
  return slo === 'availability' ? promql.requests({ service: app }, sum) : promql.calls({ service: app }, sum);
}

const SLO_TEXT: Record<Slo, { what: (o: Objectives) => string; alert: string; runbook: string }> = {
  availability: {
    what: (o) => `${o.availabilityPercent}% of requests without a server error`,
    alert: 'MCPAvailabilityBudgetBurn',
    runbook: `Look at ${SERIES.requests}{outcome="${SERVER_ERROR}"} by method and tool, then the pods' logs for "handler failed" and "mcp request" lines with that outcome (each names its requestId). A release that began it: roll it back (npm run deploy with the previous image). A dependency (database, identity provider): check /readyz and the dependency.`,
  },
  latency: {
    what: (o) => `${o.latency.percent}% of tools/call within ${o.latency.thresholdMs} ms`,
    alert: 'MCPLatencyBudgetBurn',
    runbook:
      "Look at the dashboard's latency per tool for the slow one, then its callers (logs' durationMs) and its dependencies. Saturation (in flight, CPU at its limit, the HPA at its maximum) means more replicas or a higher maxReplicas; one slow tool means its dependency or its input.",
  },
};

/** The PrometheusRule of one app: SLO recording rules, the burn-rate alerts, and the health alerts. */
export function prometheusRule(app: string, objectives: Objectives, options: RenderOptions = {}): object {
  const scale = options.scale ?? 1;
  const thresholdSeconds = latencyThresholdSeconds(objectives);
  const slos: Slo[] = ['availability', 'latency'];
  const sloLabels = (slo: Slo) => ({ service: app, slo });

  const recording: Rule[] = slos.flatMap((slo) => [
    ...(Object.keys(WINDOWS) as Window[]).map((window) => ({
      record: `slo:sli_error:ratio_rate${window}`,
      expr: errorRatio(app, slo, duration(WINDOWS[window], scale), thresholdSeconds),
      labels: sloLabels(slo),
    })),
    { record: 'slo:objective:ratio', expr: `vector(${round(1 - errorBudget(objectives, slo))})`, labels: sloLabels(slo) },
    {
      record: `slo:sli_error:ratio_rate${PERIOD}`,
      expr: `avg_over_time(slo:sli_error:ratio_rate5m{service="${app}",slo="${slo}"}[${duration(PERIOD_SECONDS, scale)}])`,
      labels: sloLabels(slo),
    },
    {
      record: 'slo:error_budget_remaining:ratio',
      expr: `1 - slo:sli_error:ratio_rate${PERIOD}{service="${app}",slo="${slo}"} / ${errorBudget(objectives, slo)}`,
      labels: sloLabels(slo),
    },
  ]);

  const burning = (slo: Slo, severity: keyof typeof BURNS) =>
    BURNS[severity].pairs
      .map(({ factor, long, short }) => {
        const limit = round(factor * errorBudget(objectives, slo));
        const ratio = (window: Window) => `slo:sli_error:ratio_rate${window}{service="${app}",slo="${slo}"} > ${limit}`;
        return `(\n  (${ratio(long)})\n  and\n  (${ratio(short)})\n  and on (namespace)\n  (${events(app, slo, duration(WINDOWS[long], scale))} >= ${objectives.minRequests})\n)`;
      })
      .join('\nor\n');

  const burnAlerts: Rule[] = slos.flatMap((slo) => {
    const text = SLO_TEXT[slo];
    const objective = text.what(objectives);
    return [
      {
        alert: text.alert,
        expr: burning(slo, 'page'),
        for: duration(BURNS.page.for, scale),
        labels: { severity: 'page', ...sloLabels(slo) },
        annotations: {
          summary: `${app} is burning its ${slo} error budget fast: at this rate the 30-day budget of "${objective}" is gone within days.`,
          description: `Over 1 h and 5 min the ${slo} error ratio is above 14.4 times the budget, or over 6 h and 30 min above 6 times it, with at least ${objectives.minRequests} requests in the long window.`,
          runbook: text.runbook,
        },
      },
      {
        alert: text.alert,
        expr: burning(slo, 'ticket'),
        for: duration(BURNS.ticket.for, scale),
        labels: { severity: 'ticket', ...sloLabels(slo) },
        annotations: {
          summary: `${app} is burning its ${slo} error budget slowly: "${objective}" will be missed this period if it goes on.`,
          description: `Over 1 d and 2 h the ${slo} error ratio is above 3 times the budget, or over 3 d and 6 h above it, with at least ${objectives.minRequests} requests in the long window.`,
          runbook: text.runbook,
        },
      },
    ];
  });

  const health: Rule[] = [
    {
      alert: 'MCPTargetDown',
      expr: `up{service="${app}"} == 0`,
      for: duration(300, scale),
      labels: { severity: 'ticket', service: app },
      annotations: {
        summary: `Prometheus cannot scrape a pod of ${app}.`,
        description:
          'A target of the ServiceMonitor has failed its scrapes for 5 minutes: the pod is gone, hung, or /metrics does not answer.',
        runbook: `kubectl get pods -l app.kubernetes.io/name=${app} and describe the pod named in the alert; check its /healthz and /metrics and its last restart.`,
      },
    },
    {
      alert: 'MCPServiceAbsent',
      expr: `absent(up{service="${app}"} == 1)`,
      for: duration(600, scale),
      labels: { severity: 'page', service: app },
      annotations: {
        summary: `No pod of ${app} has been scraped for 10 minutes.`,
        description:
          "Either every pod is down, or the ServiceMonitor selects nothing (its labels, the Service's labels, or the Prometheus serviceMonitorSelector changed).",
        runbook:
          "kubectl get deploy,pods,servicemonitor for the app; if the pods are up, compare the ServiceMonitor's selector with the Service's labels and check the Prometheus targets page.",
      },
    },
    {
      alert: 'MCPPodCrashLooping',
      expr: `increase(kube_pod_container_status_restarts_total{container="${app}"}[${duration(900, scale)}]) > 2`,
      for: duration(300, scale),
      labels: { severity: 'ticket', service: app },
      annotations: {
        summary: `A pod of ${app} keeps restarting.`,
        description: 'Its container restarted more than twice in 15 minutes (kube-state-metrics).',
        runbook:
          'kubectl logs --previous on the pod named in the alert, and kubectl describe it for OOMKilled or a failing liveness probe; a bad config fails fast with every problem listed in the log.',
      },
    },
    {
      alert: 'MCPAutoscalerAtMaximum',
      expr: `kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="${app}"}\n>= on (namespace, horizontalpodautoscaler)\nkube_horizontalpodautoscaler_spec_max_replicas{horizontalpodautoscaler="${app}"}`,
      for: duration(900, scale),
      labels: { severity: 'ticket', service: app },
      annotations: {
        summary: `${app} has run at its HPA's maximum replicas for 15 minutes.`,
        description: 'It cannot scale out further: more load will show as latency and saturation.',
        runbook:
          "Check whether the load is expected (the dashboard's requests by outcome); raise maxReplicas in the app's deploy/ patch, or find what made each request more expensive.",
      },
    },
    {
      alert: 'MCPInFlightSaturated',
      expr: `${promql.inFlight({ service: app }, ['namespace', 'pod'], 'max')} > ${objectives.maxInFlightPerPod}`,
      for: duration(600, scale),
      labels: { severity: 'ticket', service: app },
      annotations: {
        summary: `A pod of ${app} has held more than ${objectives.maxInFlightPerPod} requests in flight for 10 minutes.`,
        description: 'Requests arrive faster than they finish: a slow dependency, a tool that waits, or too few replicas.',
        runbook:
          "Look at the dashboard's latency per tool and in flight per pod; a slow dependency shows in one tool. Raise maxInFlightPerPod in mcpFleet.objectives only if the pod handles that concurrency well.",
      },
    },
  ];

  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: app, labels: { ...OPERATOR_LABELS } },
    spec: {
      groups: [
        { name: `${app}.slo.recording`, rules: recording },
        { name: `${app}.slo.alerts`, rules: burnAlerts },
        { name: `${app}.health`, rules: health },
      ],
    },
  };
}
