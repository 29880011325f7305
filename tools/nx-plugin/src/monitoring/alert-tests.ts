import { errorBudget, latencyThresholdSeconds, round, type Objectives } from './objectives';

/**
 * promtool unit tests (`promtool test rules`) for every alert of an app's PrometheusRule, made from its objectives:
 * each alert fires on its fault, stays quiet on a healthy service and on low traffic, and resolves. The series are
 * a story of the service, one sample a minute; the expected alerts are written out here, never read
 * from the rules under test (only their annotations are, which are static text).
 */

/** One stretch of the story: how much traffic, how much of it failed or was slow, and the pods' state. */
interface Phase {
  minutes: number;
  /** Requests (all tools/call) per minute. */
  rpm: number;
  errorShare?: number;
  slowShare?: number;
  up?: 0 | 1 | 'none';
  restartsPerMin?: number;
  /** The HPA's current replicas (its maximum is 10). */
  replicas?: number;
  inFlight?: number;
}

interface Expectation {
  at: string;
  alertname: string;
  alerts: { labels: Record<string, string> }[];
}

export interface AlertTestCase {
  name: string;
  phases: Phase[];
  expect: Expectation[];
}

export interface PromtoolTestFile {
  rule_files: string[];
  evaluation_interval: string;
  tests: object[];
}

const NAMESPACE = 'production';
const POD = 'pod-1';
const MAX_REPLICAS = 10;

/** A counter's samples over the phases, in promtool's expanding notation: one `start+step x count` run per phase. */
function counter(phases: Phase[], perMinute: (phase: Phase) => number): string {
  let value = 0;
  return phases
    .map((phase) => {
      const step = round(perMinute(phase));
      const run = `${round(value)}+${step}x${phase.minutes - 1}`;
      value += step * phase.minutes;
      return run;
    })
    .join(' ');
}

/** A gauge's samples over the phases; `_` (no sample) where it has none. */
function gauge(phases: Phase[], valueOf: (phase: Phase) => number | undefined): string {
  return phases.map((phase) => (valueOf(phase) === undefined ? `_x${phase.minutes}` : `${valueOf(phase)}x${phase.minutes - 1}`)).join(' ');
}

/** The input series of a story: what the runtime, Prometheus and kube-state-metrics would have recorded. */
function inputSeries(app: string, objectives: Objectives, phases: Phase[]): { series: string; values: string }[] {
  const where = `service="${app}",namespace="${NAMESPACE}"`;
  const calls = `${where},method="tools/call",tool="echo"`;
  const threshold = latencyThresholdSeconds(objectives);
  const series = [
    { series: `mcp_requests_total{${calls},outcome="ok"}`, values: counter(phases, (p) => p.rpm * (1 - (p.errorShare ?? 0))) },
    { series: `mcp_requests_total{${calls},outcome="server_error"}`, values: counter(phases, (p) => p.rpm * (p.errorShare ?? 0)) },
    {
      series: `mcp_request_duration_seconds_bucket{${calls},le="${threshold}"}`,
      values: counter(phases, (p) => p.rpm * (1 - (p.slowShare ?? 0))),
    },
    { series: `mcp_request_duration_seconds_bucket{${calls},le="+Inf"}`, values: counter(phases, (p) => p.rpm) },
    { series: `mcp_request_duration_seconds_count{${calls}}`, values: counter(phases, (p) => p.rpm) },
    { series: `mcp_requests_in_flight{${where},pod="${POD}"}`, values: gauge(phases, (p) => p.inFlight ?? 1) },
    { series: `up{${where},pod="${POD}"}`, values: gauge(phases, (p) => (p.up === 'none' ? undefined : (p.up ?? 1))) },
    {
      series: `kube_pod_container_status_restarts_total{container="${app}",namespace="${NAMESPACE}",pod="${POD}"}`,
      values: counter(phases, (p) => p.restartsPerMin ?? 0),
    },
    {
      series: `kube_horizontalpodautoscaler_status_current_replicas{horizontalpodautoscaler="${app}",namespace="${NAMESPACE}"}`,
      values: gauge(phases, (p) => p.replicas ?? 2),
    },
    {
      series: `kube_horizontalpodautoscaler_spec_max_replicas{horizontalpodautoscaler="${app}",namespace="${NAMESPACE}"}`,
      values: gauge(phases, () => MAX_REPLICAS),
    },
  ];
  return series;
}

/** Every alert's cases for an app with these objectives. */
export function alertTestCases(app: string, objectives: Objectives): AlertTestCase[] {
  // Busy enough that every long window holds several times minRequests; quiet enough that the longest holds half.
  const rpm = Math.max(60, Math.ceil(objectives.minRequests / 20));
  const quiet = (minutes: number) => round(objectives.minRequests / (2 * minutes));
  const cases: AlertTestCase[] = [];

  const slo = (kind: 'availability' | 'latency') => {
    const budget = errorBudget(objectives, kind);
    const alertname = kind === 'availability' ? 'MCPAvailabilityBudgetBurn' : 'MCPLatencyBudgetBurn';
    const share = (burn: number) =>
      kind === 'availability' ? { errorShare: Math.min(1, burn * budget) } : { slowShare: Math.min(1, burn * budget) };
    const alert = (severity: string) => ({ labels: { namespace: NAMESPACE, service: app, slo: kind, severity } });
    const fast = 50; // past 14.4x: pages
    const slow = 4.5; // past 3x, short of 6x: a ticket only
    cases.push(
      {
        // The ticket too: the alert routing holds it back while the page fires (routing.ts).
        name: `${alertname} pages on a fast burn, and raises the ticket the routing holds back`,
        phases: [{ minutes: 120, rpm, ...share(fast) }],
        expect: [{ at: '90m', alertname, alerts: [alert('page'), alert('ticket')] }],
      },
      {
        name: `${alertname} stays quiet on a healthy service`,
        phases: [{ minutes: 360, rpm }],
        expect: [
          { at: '90m', alertname, alerts: [] },
          { at: '5h', alertname, alerts: [] },
        ],
      },
      {
        name: `${alertname} stays quiet on low traffic, however large the failing share`,
        phases: [{ minutes: 360, rpm: quiet(360), ...share(fast) }],
        expect: [
          { at: '90m', alertname, alerts: [] },
          { at: '5h', alertname, alerts: [] },
        ],
      },
      {
        name: `${alertname}: the page resolves when the burn stops, and the ticket carries the budget already spent`,
        phases: [
          { minutes: 60, rpm, ...share(fast) },
          { minutes: 150, rpm },
        ],
        expect: [
          { at: '50m', alertname, alerts: [alert('page'), alert('ticket')] },
          { at: '170m', alertname, alerts: [alert('ticket')] },
        ],
      },
      {
        name: `${alertname} opens a ticket on a slow burn`,
        phases: [{ minutes: 360, rpm, ...share(slow) }],
        expect: [{ at: '5h', alertname, alerts: [alert('ticket')] }],
      },
      {
        name: `${alertname}: the ticket resolves once the slow burn has left its windows`,
        phases: [
          { minutes: 180, rpm, ...share(slow) },
          { minutes: 480, rpm },
        ],
        expect: [
          { at: '150m', alertname, alerts: [alert('ticket')] },
          { at: '11h', alertname, alerts: [] },
        ],
      },
    );
  };
  slo('availability');
  slo('latency');

  /** A fault held for `fault.minutes` after 10 healthy ones; judged at its last minute, and `settle` minutes after it ends. */
  const health = (alertname: string, fault: Partial<Phase> & { minutes: number }, labels: Record<string, string>, settle: number) => {
    const alert = { labels: { severity: alertname === 'MCPServiceAbsent' ? 'page' : 'ticket', service: app, ...labels } };
    const at = `${10 + fault.minutes - 1}m`;
    cases.push(
      {
        name: `${alertname} fires`,
        phases: [
          { minutes: 10, rpm },
          { rpm, ...fault },
        ],
        expect: [{ at, alertname, alerts: [alert] }],
      },
      { name: `${alertname} stays quiet on a healthy service`, phases: [{ minutes: 120, rpm }], expect: [{ at, alertname, alerts: [] }] },
      {
        name: `${alertname} stays quiet on low traffic`,
        phases: [{ minutes: 120, rpm: quiet(120) }],
        expect: [{ at, alertname, alerts: [] }],
      },
      {
        name: `${alertname} resolves`,
        phases: [
          { minutes: 10, rpm },
          { rpm, ...fault },
          { minutes: settle + 30, rpm },
        ],
        expect: [
          { at, alertname, alerts: [alert] },
          { at: `${10 + fault.minutes + settle}m`, alertname, alerts: [] },
        ],
      },
    );
  };
  const pod = { namespace: NAMESPACE, pod: POD };
  // Each fault lasts well past its alert's `for` plus the evaluation interval; each settle past its windows.
  health('MCPTargetDown', { minutes: 20, up: 0 }, pod, 10);
  health('MCPServiceAbsent', { minutes: 30, up: 'none' }, {}, 10);
  health('MCPPodCrashLooping', { minutes: 30, restartsPerMin: 0.5 }, { ...pod, container: app }, 30);
  health('MCPAutoscalerAtMaximum', { minutes: 30, replicas: MAX_REPLICAS }, { namespace: NAMESPACE, horizontalpodautoscaler: app }, 10);
  health('MCPInFlightSaturated', { minutes: 30, inFlight: objectives.maxInFlightPerPod + 1 }, pod, 10);
  return cases;
}

/** The cases as promtool's test file for `ruleFile`; the expected annotations are the rules' own static text. */
export function promtoolTestFile(
  app: string,
  objectives: Objectives,
  ruleFile: string,
  annotationsOf: (alertname: string, severity: string) => Record<string, string>,
): PromtoolTestFile {
  return {
    rule_files: [ruleFile],
    // Every 5 min, not Prometheus's usual 1: the cases hold each state well past it, and promtool runs 4x faster.
    evaluation_interval: '5m',
    tests: alertTestCases(app, objectives).map((testCase) => ({
      name: testCase.name,
      interval: '1m',
      input_series: inputSeries(app, objectives, testCase.phases),
      alert_rule_test: testCase.expect.map((expectation) => ({
        eval_time: expectation.at,
        alertname: expectation.alertname,
        exp_alerts: expectation.alerts.map((alert) => ({
          exp_labels: alert.labels,
          exp_annotations: annotationsOf(expectation.alertname, alert.labels.severity!),
        })),
      })),
    })),
  };
}
