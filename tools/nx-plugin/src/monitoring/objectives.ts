import { DURATION_BUCKETS } from '@mcp-fleet/runtime/metrics-contract';

/** What an app promises, and the limits its alerts watch: `mcpFleet.objectives` in its package.json, over FLEET_OBJECTIVES. */
export interface Objectives {
  /** Percent of requests the server does not fail (outcome other than server_error), over 30 days. */
  availability: number;
  /** Percent of tools/call answered within thresholdMs (an edge of the runtime's duration histogram), over 30 days. */
  latency: { percent: number; thresholdMs: number };
  /** Requests an SLO alert's long window must have seen before it may fire: a quiet service never pages on two failures. */
  minRequests: number;
  /** Requests in flight in one pod, held for 10 minutes, that count as saturation. */
  maxInFlightPerPod: number;
}

/** The fleet's defaults: what an app gets without an objectives entry. A platform team changes them here. */
export const FLEET_OBJECTIVES: Objectives = {
  availability: 99.9,
  latency: { percent: 99, thresholdMs: 500 },
  minRequests: 100,
  maxInFlightPerPod: 64,
};

/** The two objectives each app has: one SLO for availability, one for tools/call latency. */
export type Slo = 'availability' | 'latency';

/** A computed ratio without binary floating-point noise (1 - 99.9 / 100 is 0.001, not 0.0010000000000000009). */
export const round = (value: number): number => Number(value.toPrecision(12));

/** The share of events an SLO may fail over its period: 0.001 for 99.9%. */
export const errorBudget = (objectives: Objectives, slo: Slo): number => round(1 - (slo === 'availability' ? objectives.availability : objectives.latency.percent) / 100);

/** The latency threshold as the duration histogram's `le` label writes it, in seconds. */
export const latencyThresholdSeconds = (objectives: Objectives): number => round(objectives.latency.thresholdMs / 1000);

/** The latency thresholds an objective may use: the histogram's bucket edges, in milliseconds. */
export const LATENCY_EDGES_MS = DURATION_BUCKETS.map((seconds) => Math.round(seconds * 1000));

const PERCENT = { min: 90, max: 99.999 };

/** An app's objectives, or every problem with its `mcpFleet.objectives` entry as "key: problem; fix" lines. */
export function resolveObjectives(app: string, entry: unknown): { objectives: Objectives; problems: string[] } {
  const problems: string[] = [];
  const at = (key: string) => `${app}: mcpFleet.objectives.${key}`;
  if (entry === undefined) return { objectives: FLEET_OBJECTIVES, problems };
  if (!isRecord(entry)) return { objectives: FLEET_OBJECTIVES, problems: [`${app}: mcpFleet.objectives must be an object such as {"availability": 99.9}, got ${JSON.stringify(entry)}`] };
  unknownKeys(entry, ['availability', 'latency', 'minRequests', 'maxInFlightPerPod'], (key, known) =>
    problems.push(`${at(key)} is not a known key; the keys are ${known} (apps/${app}/package.json)`),
  );
  const latency = entry.latency ?? {};
  if (!isRecord(latency)) problems.push(`${at('latency')} must be an object such as {"percent": 99, "thresholdMs": 500}, got ${JSON.stringify(latency)}`);
  else unknownKeys(latency, ['percent', 'thresholdMs'], (key, known) => problems.push(`${at(`latency.${key}`)} is not a known key; the keys are ${known}`));
  const inner = isRecord(latency) ? latency : {};

  const percent = (key: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && value >= PERCENT.min && value <= PERCENT.max) return value;
    problems.push(`${at(key)} must be a percentage from ${PERCENT.min} to ${PERCENT.max} (99.9 leaves 43 minutes of server errors in 30 days), got ${JSON.stringify(value)}`);
    return fallback;
  };
  const count = (key: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (Number.isInteger(value) && (value as number) >= 1) return value as number;
    problems.push(`${at(key)} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
    return fallback;
  };
  const threshold = (value: unknown): number => {
    const fallback = FLEET_OBJECTIVES.latency.thresholdMs;
    if (value === undefined) return fallback;
    if (typeof value === 'number' && LATENCY_EDGES_MS.includes(value)) return value;
    const near = typeof value === 'number' ? nearestEdges(value) : '';
    problems.push(
      `${at('latency.thresholdMs')} must be an edge of the duration histogram (${LATENCY_EDGES_MS.join(', ')} ms), got ${JSON.stringify(value)}${near}; a share of calls slower than a threshold is only measured exactly at an edge`,
    );
    return fallback;
  };

  const objectives: Objectives = {
    availability: percent('availability', entry.availability, FLEET_OBJECTIVES.availability),
    latency: { percent: percent('latency.percent', inner.percent, FLEET_OBJECTIVES.latency.percent), thresholdMs: threshold(inner.thresholdMs) },
    minRequests: count('minRequests', entry.minRequests, FLEET_OBJECTIVES.minRequests),
    maxInFlightPerPod: count('maxInFlightPerPod', entry.maxInFlightPerPod, FLEET_OBJECTIVES.maxInFlightPerPod),
  };
  return { objectives, problems };
}

function nearestEdges(value: number): string {
  const below = LATENCY_EDGES_MS.filter((edge) => edge < value).at(-1);
  const above = LATENCY_EDGES_MS.find((edge) => edge > value);
  return `; the nearest are ${[below, above].filter((edge) => edge !== undefined).join(' and ')}`;
}

function unknownKeys(object: Record<string, unknown>, known: string[], report: (key: string, known: string) => void): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) report(key, known.join(', '));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
