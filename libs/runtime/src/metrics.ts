import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DURATION_BUCKETS, OUTCOMES, SERIES } from './metrics-contract';

/** Prometheus metrics of one service, on their own registry so that several services can share a process. */
export interface RuntimeMetrics {
  registry: Registry;
  requests: Counter<'method' | 'tool' | 'outcome'>;
  duration: Histogram<'method' | 'tool'>;
  inFlight: Gauge;
  subscriptionsOpen: Gauge;
}

export function createMetrics(service: string): RuntimeMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: SERIES.requests,
      help: `MCP requests answered, by JSON-RPC method, tool and outcome (${OUTCOMES.join(', ')}).`,
      labelNames: ['method', 'tool', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: SERIES.duration,
      help: 'Time from receiving an MCP request to the end of its response.',
      labelNames: ['method', 'tool'],
      buckets: [...DURATION_BUCKETS],
      registers,
    }),
    inFlight: new Gauge({
      name: SERIES.inFlight,
      help: 'MCP requests being served now.',
      registers,
    }),
    subscriptionsOpen: new Gauge({
      name: SERIES.subscriptionsOpen,
      help: 'subscriptions/listen streams open now (at http.maxSubscriptions a new one is refused).',
      registers,
    }),
  };
}

/**
 * A metric's children by label values, each made once: prom-client's `.labels()` validates the labels and binds
 * a new child on every call. Only for bounded label sets (names from registrations, never from clients).
 */
export function labelChildren<Labels extends object, Child>(make: (labels: Labels) => Child): (labels: Labels) => Child {
  const children = new Map<string, Child>();
  return (labels) => {
    const key = Object.values(labels).join('\0');
    let child = children.get(key);
    if (!child) children.set(key, (child = make(labels)));
    return child;
  };
}
