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
  return async (ctx, next) => {
    // Names come from registrations, never from the client, so the label set stays bounded.
    const labels = { kind: ctx.kind, name: ctx.name };
    const end = duration.startTimer(labels);
    return settle(next, (outcome) => {
      end();
      calls.inc({ ...labels, outcome });
    });
  };
}
