import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { podProxySource, prometheusQueries, prometheusSource, sampleOfExposition } from './canary-metrics';
import type { Kubectl } from './rollout';

const page = (
  ok: number,
  errors: number,
  started = 1_796_000_000,
) => `# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.
process_start_time_seconds{service="docs"} ${started}
# HELP mcp_requests_total MCP requests answered.
# TYPE mcp_requests_total counter
mcp_requests_total{method="tools/call",tool="echo",outcome="ok",service="docs"} ${ok}
mcp_requests_total{method="tools/call",tool="echo",outcome="server_error",service="docs"} ${errors}
mcp_requests_total{method="tools/list",tool="",outcome="ok",service="docs"} 0
mcp_request_duration_seconds_bucket{le="0.005",service="docs",method="tools/call",tool="echo"} ${ok + errors}
mcp_request_duration_seconds_bucket{le="+Inf",service="docs",method="tools/call",tool="echo"} ${ok + errors}
mcp_request_duration_seconds_bucket{le="+Inf",service="docs",method="tools/list",tool=""} 0
`;

describe('sampleOfExposition', () => {
  it('sums the requests and server errors of every method and tool, and the buckets by edge', () => {
    expect(sampleOfExposition(page(90, 10))).toEqual({
      requests: 100,
      serverErrors: 10,
      buckets: [
        [0.005, 100],
        [Infinity, 100],
      ],
      startTime: 1_796_000_000,
    });
  });
  it('refuses a page that is not an MCP service on the fleet runtime', () => {
    expect(() => sampleOfExposition('<html>502 Bad Gateway</html>')).toThrow('no mcp_requests_total series');
  });
  it.each(['NaN', '+Inf', '-Inf', '-3', 'x'])('refuses a count of %s: every value must be a finite count', (value) => {
    expect(() =>
      sampleOfExposition(page(90, 10).replace('outcome="ok",service="docs"} 90', `outcome="ok",service="docs"} ${value}`)),
    ).toThrow(`is ${value}, not a count`);
  });
  it("refuses a bucket without a bound, and a page without the process's start time (a restart could not be told)", () => {
    expect(() => sampleOfExposition(page(1, 0).replace('le="0.005"', 'le="fast"'))).toThrow(
      `a histogram bucket's le is "fast", not a bound`,
    );
    expect(() => sampleOfExposition(page(1, 0).replace(/^process_start_time_seconds.*$/m, ''))).toThrow('no process_start_time_seconds');
  });
});

describe('podProxySource', () => {
  /** A source over kubectl as the API server would answer it, step by step: pods per track, then each pod's /metrics. */
  const sourceOver = (pages: Record<string, string>[]) => {
    const at = { step: 0 };
    const kubectl: Kubectl = async (args) => {
      if (args.includes('--raw')) return { code: 0, stdout: pages[at.step]![/pods\/([^:]+):/.exec(args.at(-1)!)![1]!]!, stderr: '' };
      const track = args.at(-3)!.endsWith('canary') ? 'canary' : 'stable';
      const items = Object.keys(pages[at.step]!)
        .filter((name) => name.startsWith(track))
        .map((name) => ({ metadata: { name }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
      return { code: 0, stdout: JSON.stringify({ items }), stderr: '' };
    };
    return {
      at,
      source: podProxySource(kubectl, {
        flags: [],
        namespace: 'fleet',
        port: 8080,
        selectors: { stable: 'app=docs,track=stable', canary: 'app=docs,track=canary' },
      }),
    };
  };

  it("counts each pod's growth in the window, all of a restarted pod's counters (its start time changed), and a new pod's", async () => {
    const { at, source } = sourceOver([
      { 'stable-a': page(100, 0), 'canary-a': page(10, 0) },
      // canary-a restarted and has served 12 since: more than before, which a check of the counters alone misses.
      { 'stable-a': page(300, 2), 'canary-a': page(8, 4, 1_796_000_500), 'stable-b': page(40, 0) },
    ]);
    await source.begin();
    at.step = 1;
    const window = await source.next();
    expect(window.stable).toMatchObject({ requests: 242, serverErrors: 2 });
    expect(window.canary).toMatchObject({ requests: 12, serverErrors: 4 });
  });

  it('fails a window whose counters went down with no restart, rather than count it negative', async () => {
    const { at, source } = sourceOver([
      { 'stable-a': page(100, 0), 'canary-a': page(10, 5) },
      { 'stable-a': page(300, 2), 'canary-a': page(4, 0) },
    ]);
    await source.begin();
    at.step = 1;
    await expect(source.next()).rejects.toThrow("pod canary-a's counters went down with no restart (process_start_time_seconds unchanged)");
  });

  it('throws, naming the pod, when a page cannot be read', async () => {
    const kubectl: Kubectl = async (args) =>
      args.includes('--raw')
        ? { code: 1, stdout: '', stderr: 'Error from server (ServiceUnavailable): the server is currently unable to handle the request' }
        : {
            code: 0,
            stdout: JSON.stringify({ items: [{ metadata: { name: 'p-1' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }] }),
            stderr: '',
          };
    const source = podProxySource(kubectl, { flags: [], namespace: 'fleet', port: 8080, selectors: { stable: 's', canary: 'c' } });
    await expect(source.begin()).rejects.toThrow("pod p-1's /metrics: Error from server (ServiceUnavailable)");
  });
});

describe('prometheusSource against a server that answers badly', () => {
  let server: Server | undefined;
  afterEach(() => new Promise((resolve) => (server ? (server.closeAllConnections(), server.close(resolve)) : resolve(undefined))));
  const answering = async (status: number, body: string) => {
    server = createServer((_, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(body));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };

  it.each([
    [
      502,
      '<html>Bad Gateway</html>',
      /^Prometheus at http:\/\/127\.0\.0\.1:\d+: HTTP 502, not a Prometheus answer: <html>Bad Gateway<\/html>$/,
    ],
    [400, '{"status":"error","errorType":"bad_data","error":"parse error"}', /answered error: parse error$/],
    [
      200,
      '{"status":"success","data":{"resultType":"vector","result":[{"metric":{"outcome":"ok"},"value":[1,"5"]}]}}',
      /have no app_kubernetes_io_track label: add podTargetLabels/,
    ],
  ])('HTTP %i %s: a measurement error that says what came back', async (status, body, message) => {
    const source = prometheusSource(await answering(status, body), 'docs', 'fleet');
    await source.begin();
    await expect(source.next()).rejects.toThrow(message);
  });

  it.each(['NaN', '+Inf', '-Inf', '-1'])('answering %s for a count: a measurement error, never a number to judge', async (value) => {
    const vector = (result: unknown) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });
    const sample = (track: string, count: string) => ({
      metric: { app_kubernetes_io_track: track, outcome: 'server_error' },
      value: [1, count],
    });
    const source = prometheusSource(await answering(200, vector([sample('canary', value), sample('stable', '3')])), 'docs', 'fleet');
    await source.begin();
    await expect(source.next()).rejects.toThrow(`is ${value}, not a count`);
  });

  it('asks for the increase over the window, by track, of this app in this namespace', () => {
    expect(prometheusQueries('docs', 'fleet', 60)).toEqual({
      requests: 'sum by (app_kubernetes_io_track, outcome) (increase(mcp_requests_total{namespace="fleet",service="docs"}[60s]))',
      latency:
        'sum by (app_kubernetes_io_track, le) (increase(mcp_request_duration_seconds_bucket{namespace="fleet",service="docs"}[60s]))',
    });
  });
});
