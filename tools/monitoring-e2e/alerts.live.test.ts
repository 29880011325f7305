// The alerts end to end, for real: Debian's Prometheus scrapes the built text-tools process on loopback while a
// bounded load runs, evaluating the rules the monitoring generator writes (every window and `for` shortened 60x
// by the same generator), and sends them to Debian's Alertmanager running the environment's generated routing (as
// prometheus-operator renders it, its webhooks pointing at a receiver on loopback). A fault switched on inside the
// process (SIGUSR2 with faults.toggleOnSignal, which the config refuses outside test and development) must take
// the availability page pending, firing, to the pager, hold the ticket for the same burn back, and deliver the
// page's resolution once the fault is off.
import { FLEET_OBJECTIVES } from '@mcp-fleet/fleet-manifest';
import {
  connectHttpClient,
  startAlertmanager,
  startPrometheus,
  startServerProcess,
  startWebhookReceiver,
  waitUntil,
  type PrometheusAlert,
} from '@mcp-fleet/testing';
import { expect, it, onTestFinished } from 'vitest';
import { alertmanagerConfiguration, alertRouting, prometheusRule } from '@mcp-fleet/nx-plugin/monitoring';

const APP = 'text-tools';
const NAMESPACE = 'live';
const SCALE = 1 / 60;
// Ceilings for a loaded 2-core machine, not expectations: each state comes within seconds here.
const STATE_CEILING_MS = 180_000;
const LOAD_CEILING_MS = 600_000;

it('pages on a server fault in a live process: pending, firing, paged, the ticket held back, then resolved once the fault is off', async () => {
  const { spec } = prometheusRule(APP, FLEET_OBJECTIVES, { scale: SCALE }) as { spec: object };
  // Each stopped as soon as it is started, whatever happens after (a Prometheus missing, a failed wait).
  const server = await startServerProcess({ app: APP, env: { FAULTS__TOGGLE_ON_SIGNAL: 'true' } });
  onTestFinished(async () => void (await server.stop()));
  const receiver = await startWebhookReceiver();
  onTestFinished(() => receiver.close());
  const alertmanager = await startAlertmanager({
    config: alertmanagerConfiguration(alertRouting({ scale: SCALE }), NAMESPACE, {
      'pager-url': receiver.url('/pager'),
      'chat-url': receiver.url('/chat'),
    }),
  });
  onTestFinished(() => alertmanager.stop());
  const prometheus = await startPrometheus({
    // The target labels the operator would give this pod; honor_labels as the generated ServiceMonitor has it.
    jobs: [
      {
        name: APP,
        targets: [new URL(server.url).host],
        labels: { namespace: NAMESPACE, service: APP, pod: `${APP}-0` },
        honorLabels: true,
      },
    ],
    rules: { [`${APP}.yaml`]: spec },
    alertmanagers: [alertmanager.address],
  });
  onTestFinished(() => prometheus.stop());
  const client = await connectHttpClient(server.url);
  // ~20 calls a second from one client, bounded in count and time, until the test says stop.
  let loading = true;
  const load = (async () => {
    const deadline = Date.now() + LOAD_CEILING_MS;
    for (let call = 0; loading && call < 20_000 && Date.now() < deadline; call++) {
      await client.callTool({ name: 'echo', arguments: { message: 'live' } }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  const page = async (): Promise<PrometheusAlert | undefined> =>
    (await prometheus.alerts()).find((alert) => alert.labels.alertname === 'MCPAvailabilityBudgetBurn' && alert.labels.severity === 'page');
  const state = (wanted: PrometheusAlert['state'] | 'resolved', what: string) =>
    waitUntil(async () => ((await page())?.state ?? 'resolved') === wanted, { what, timeoutMs: STATE_CEILING_MS, everyMs: 100 });
  const seconds = (from: number) => ((performance.now() - from) / 1000).toFixed(1);
  try {
    // Healthy first: the SLI is recorded (so the rules see traffic) and nothing pages.
    await waitUntil(
      async () => (await prometheus.query(`slo:sli_error:ratio_rate5m{service="${APP}",slo="availability"} == 0`)).length === 1,
      {
        what: 'a recorded, healthy availability SLI',
        timeoutMs: STATE_CEILING_MS,
        everyMs: 200,
      },
    );
    expect(await page()).toBeUndefined();

    const faultOn = performance.now();
    const faultOnAt = Date.now();
    process.kill(server.pid, 'SIGUSR2');
    await server.waitForLog((line) => line.fault === 'on');
    // Pending lasts `for` (2 s here): a poll on a loaded machine may miss it, so the alert's own activeAt (when it
    // went pending) times it, and Prometheus's ALERTS series shows it was pending before it fired.
    const raised = await waitUntil(page, { what: 'the page pending', timeoutMs: STATE_CEILING_MS, everyMs: 100 });
    const pendingAfter = ((Date.parse(raised.activeAt) - faultOnAt) / 1000).toFixed(1);
    await state('firing', 'the page firing');
    const firingAfter = seconds(faultOn);
    const pendingSamples = await prometheus.query(
      'count_over_time(ALERTS{alertname="MCPAvailabilityBudgetBurn",severity="page",alertstate="pending"}[10m])',
    );
    expect(Number(pendingSamples[0]?.value[1])).toBeGreaterThan(0);
    const alerts = await prometheus.alerts();
    expect(
      alerts.find((alert) => alert.labels.alertname === 'MCPAvailabilityBudgetBurn' && alert.labels.severity === 'page')?.labels,
    ).toMatchObject({
      namespace: NAMESPACE,
      service: APP,
      slo: 'availability',
    });

    // The page reaches the pager, with what the person paged needs.
    const burn = (severity: string) => (notification: { alerts: { labels: Record<string, string> }[] }) =>
      notification.alerts.some((alert) => alert.labels.alertname === 'MCPAvailabilityBudgetBurn' && alert.labels.severity === severity);
    const paged = await waitUntil(
      () => receiver.received.get('/pager')?.find((notification) => notification.status === 'firing' && burn('page')(notification)),
      {
        what: 'the page delivered to the pager',
        timeoutMs: STATE_CEILING_MS,
        everyMs: 100,
      },
    );
    const pagedAfter = ((paged.at - faultOn) / 1000).toFixed(1);
    expect(paged.receiver).toBe(`${NAMESPACE}/mcp-fleet-alert-routing/pager`);
    expect(paged.groupLabels).toEqual({ service: APP });
    const delivered = paged.alerts.find((alert) => alert.labels.severity === 'page')!;
    expect(delivered.labels).toMatchObject({ service: APP, severity: 'page', slo: 'availability', namespace: NAMESPACE });
    expect(delivered.annotations.runbook).toContain('mcp_requests_total{outcome="server_error"}');
    expect(delivered.annotations.summary).toContain(`${APP} is burning its availability error budget fast`);

    // The same burn's ticket fires too, and Alertmanager holds it back: chat hears nothing of it.
    const ticket = await waitUntil(
      async () =>
        (await alertmanager.alerts()).find(
          (alert) => alert.labels.alertname === 'MCPAvailabilityBudgetBurn' && alert.labels.severity === 'ticket',
        ),
      { what: 'the ticket reaching Alertmanager', timeoutMs: STATE_CEILING_MS, everyMs: 200 },
    );
    const ticketAfter = seconds(faultOn);
    expect(ticket.status).toMatchObject({ state: 'suppressed' });
    expect(ticket.status.inhibitedBy).toHaveLength(1);
    expect((receiver.received.get('/chat') ?? []).filter(burn('ticket'))).toEqual([]);

    const faultOff = performance.now();
    process.kill(server.pid, 'SIGUSR2');
    await server.waitForLog((line) => line.fault === 'off');
    await state('resolved', 'the page resolved');
    const resolvedAfter = seconds(faultOff);
    const told = await waitUntil(
      () => receiver.received.get('/pager')?.find((notification) => notification.status === 'resolved' && burn('page')(notification)),
      {
        what: "the page's resolution delivered to the pager",
        timeoutMs: STATE_CEILING_MS,
        everyMs: 100,
      },
    );
    const toldAfter = ((told.at - faultOff) / 1000).toFixed(1);
    const errors = await prometheus.query(`sum(mcp_requests_total{service="${APP}",outcome="server_error"})`);
    expect(Number(errors[0]?.value[1])).toBeGreaterThan(0);
    console.log(
      `live alert (windows x${SCALE.toFixed(4)}: 5m=5s, 1h=60s, for 2m=2s; Alertmanager group_wait 1s, group_interval 5s): ` +
        `pending ${pendingAfter} s, firing ${firingAfter} s and at the pager ${pagedAfter} s after the fault was switched on, ` +
        `the ticket held back at ${ticketAfter} s; resolved ${resolvedAfter} s and the resolution at the pager ${toldAfter} s after it was switched off`,
    );
  } finally {
    loading = false;
    await load;
    await client.close();
  }
  expect((await server.stop()).code).toBe(0);
});
