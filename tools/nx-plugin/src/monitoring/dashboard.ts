import { promql, SERIES, type Selector } from '@mcp-fleet/runtime/metrics-contract';
import type { Objectives } from './objectives';

/** The label Grafana's dashboard sidecar (kube-prometheus-stack's default) loads ConfigMaps by. */
export const GRAFANA_DASHBOARD_LABEL = { grafana_dashboard: '1' };

interface Panel {
  title: string;
  type: 'timeseries' | 'stat';
  unit: string;
  targets: { expr: string; legendFormat: string }[];
  width?: number;
}

/** One app's Grafana dashboard: requests by outcome, latency per tool, error budget left, in flight, replicas. */
export function dashboard(app: string, objectives: Objectives): object {
  const selector: Selector = { service: app, namespace: { regex: '$namespace' } };
  const where = `service="${app}",namespace=~"$namespace"`;
  const perInterval = { range: '$__rate_interval' };
  const panels: Panel[] = [
    {
      title: 'Requests by outcome',
      type: 'timeseries',
      unit: 'reqps',
      targets: [{ expr: promql.requests(selector, { ...perInterval, by: ['outcome'] }), legendFormat: '{{outcome}}' }],
    },
    {
      title: 'Error budget left (30 days)',
      type: 'stat',
      unit: 'percentunit',
      targets: [{ expr: `slo:error_budget_remaining:ratio{${where}}`, legendFormat: `{{slo}} ({{namespace}})` }],
    },
    {
      title: `tools/call latency per tool (objective: ${objectives.latency.percent}% within ${objectives.latency.thresholdMs} ms)`,
      type: 'timeseries',
      unit: 's',
      width: 24,
      targets: [0.5, 0.95, 0.99].map((quantile) => ({
        expr: promql.callLatencyQuantile(quantile, selector, { ...perInterval, by: ['tool'] }),
        legendFormat: `{{tool}} p${Math.round(quantile * 100)}`,
      })),
    },
    {
      title: 'SLI error ratios (5 min), against the budget',
      type: 'timeseries',
      unit: 'percentunit',
      targets: [{ expr: `slo:sli_error:ratio_rate5m{${where}}`, legendFormat: '{{slo}}' }],
    },
    {
      title: 'In flight per pod',
      type: 'timeseries',
      unit: 'short',
      targets: [{ expr: promql.inFlight(selector, ['pod']), legendFormat: '{{pod}}' }],
    },
    {
      title: 'Replicas',
      type: 'timeseries',
      unit: 'short',
      targets: [
        { expr: `count(up{${where}} == 1)`, legendFormat: 'scraped and up' },
        {
          expr: `kube_horizontalpodautoscaler_spec_max_replicas{horizontalpodautoscaler="${app}",namespace=~"$namespace"}`,
          legendFormat: 'HPA maximum',
        },
      ],
    },
  ];
  let x = 0;
  let y = 0;
  return {
    title: `MCP service: ${app}`,
    uid: `mcp-${app}`.slice(0, 40),
    tags: ['mcp-fleet', app],
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        {
          name: 'namespace',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: `label_values(${SERIES.requests}{service="${app}"}, namespace)`,
          includeAll: true,
          multi: true,
        },
      ],
    },
    panels: panels.map((panel, id) => {
      const w = panel.width ?? 12;
      if (x + w > 24) {
        x = 0;
        y += 8;
      }
      const gridPos = { x, y, w, h: 8 };
      x += w;
      return {
        id: id + 1,
        title: panel.title,
        type: panel.type,
        datasource: { type: 'prometheus', uid: '${datasource}' },
        gridPos,
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        targets: panel.targets.map((target, index) => ({ refId: String.fromCharCode(65 + index), ...target })),
      };
    }),
  };
}

/** The dashboard as the ConfigMap Grafana's sidecar picks up. */
export function dashboardConfigMap(app: string, objectives: Objectives): object {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${app}-dashboard`, labels: { ...GRAFANA_DASHBOARD_LABEL } },
    data: { [`${app}.json`]: JSON.stringify(dashboard(app, objectives), null, 2) },
  };
}
