import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics';
import { DURATION_BUCKETS, OUTCOMES, promql, SERIES } from './metrics-contract';

describe('the metrics contract', () => {
  it('names the series the runtime exports, with the histogram edges and outcomes it promises', async () => {
    const metrics = createMetrics('svc');
    for (const outcome of OUTCOMES) metrics.requests.inc({ method: 'tools/call', tool: 'echo', outcome });
    metrics.duration.observe({ method: 'tools/call', tool: 'echo' }, 0.2);
    const page = await metrics.registry.metrics();
    for (const name of [`${SERIES.requests}{`, `${SERIES.duration}_bucket{`, `${SERIES.duration}_count{`, `${SERIES.inFlight}{`])
      expect(page).toContain(name);
    const edges = [...page.matchAll(new RegExp(`^${SERIES.duration}_bucket\\{le="([^"]+)"`, 'gm'))].map((match) => match[1]);
    expect(edges).toEqual([...DURATION_BUCKETS.map(String), '+Inf']);
    for (const outcome of OUTCOMES) expect(page).toContain(`outcome="${outcome}"`);
  });

  it('writes the server-error ratio, the slow-call ratio and a quantile over one selector', () => {
    expect(promql.serverErrorRatio({ service: 'a' }, { by: ['namespace'], range: '5m' })).toBe(
      'sum by (namespace) (rate(mcp_requests_total{service="a",outcome="server_error"}[5m]))\n/\nsum by (namespace) (rate(mcp_requests_total{service="a"}[5m]))',
    );
    expect(promql.slowCallRatio({ service: 'a' }, 0.5, { by: ['namespace'], range: '1h' })).toContain(
      'mcp_request_duration_seconds_bucket{service="a",method="tools/call",le="0.5"}[1h]',
    );
    expect(
      promql.callLatencyQuantile(0.95, { service: 'a', namespace: { regex: '$namespace' } }, { by: ['tool'], range: '$__rate_interval' }),
    ).toBe(
      'histogram_quantile(0.95, sum by (tool, le) (rate(mcp_request_duration_seconds_bucket{service="a",namespace=~"$namespace",method="tools/call"}[$__rate_interval])))',
    );
    expect(promql.requests({ service: 'a"}) or vector(1' }, { by: ['outcome'], range: '1m', fn: 'increase' })).toBe(
      'sum by (outcome) (increase(mcp_requests_total{service="a\\"}) or vector(1"}[1m]))',
    );
  });
});
