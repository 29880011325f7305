import { Counter, Histogram, type Registry } from 'prom-client';
import type { Middleware } from './context';
import { settle } from './outcome';

/**
 * Calls, errors and latency by kind (tool, resource, prompt) and name, on the service's registry (whose default
 * labels add the service name). Built once per service: the chain is declared once, not per request.
 */
export function callMetrics(options: { registry: Registry }): Middleware {
  const registers = [options.registry];
  const calls = new Counter({
    name: 'mcp_calls_total',
    help: 'Tool calls, resource reads and prompt gets, by kind, name and outcome (ok, tool_error, error).',
    labelNames: ['kind', 'name', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'mcp_call_duration_seconds',
    help: 'Time a call spent in the pipeline and its handler.',
    labelNames: ['kind', 'name'],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const timers = labelChildren((labels: { kind: string; name: string }) => duration.labels(labels));
  const counts = labelChildren((labels: { kind: string; name: string; outcome: string }) => calls.labels(labels));
  return async (ctx, next) => {
    // Names come from registrations, never from the client, so the label set stays bounded.
    const end = timers({ kind: ctx.kind, name: ctx.name }).startTimer();
    return settle(next, (outcome) => {
      end();
      counts({ kind: ctx.kind, name: ctx.name, outcome }).inc();
    });
  };
}

/**
 * A metric's children by label values, each made once: prom-client otherwise validates and hashes the labels on
 * every observation. Only for bounded label sets (names from registrations, never from clients).
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
