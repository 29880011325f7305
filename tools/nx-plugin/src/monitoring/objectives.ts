import type { Objectives } from '@mcp-fleet/fleet-manifest';

export type { Objectives };

/** The two objectives each app has: one SLO for availability, one for tools/call latency. */
export type Slo = 'availability' | 'latency';

/** A computed ratio without binary floating-point noise (1 - 99.9 / 100 is 0.001, not 0.0010000000000000009). */
export const round = (value: number): number => Number(value.toPrecision(12));

/** The share of events an SLO may fail over its period: 0.001 for 99.9%. */
export const errorBudget = (objectives: Objectives, slo: Slo): number =>
  round(1 - (slo === 'availability' ? objectives.availabilityPercent : objectives.latency.percent) / 100);

/** The latency threshold as the duration histogram's `le` label writes it, in seconds. */
export const latencyThresholdSeconds = (objectives: Objectives): number => round(objectives.latency.thresholdMs / 1000);
