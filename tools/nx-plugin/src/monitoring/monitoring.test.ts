import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { appObjectives, fleetApps } from '../app-checks';
import { duration, FLEET_OBJECTIVES, prometheusRule, resolveObjectives } from './index';
import { promtool, promtoolRuleChecks } from './promtool';

const root = workspaceRoot();
const scratch = mkdtempSync(join(tmpdir(), 'monitoring-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('every app\'s PrometheusRule, on the real promtool', () => {
  it.each(fleetApps(root))('%s: passes `promtool check rules`, and every alert its unit tests (fires, quiet when healthy, quiet on low traffic, resolves)', async (app) => {
    const { objectives, problems } = appObjectives(root, app);
    expect(problems).toEqual([]);
    const output = await promtoolRuleChecks(app, objectives);
    expect(output).toMatch(/SUCCESS: 29 rules found/);
    expect(output).toMatch(/Unit Testing: .*\n\s+SUCCESS/);
  });

  it('fails those unit tests when the ticket is not held back while the page fires, or the low-traffic guard is gone', async () => {
    await expect(promtoolRuleChecks('probe', FLEET_OBJECTIVES, (rules) => rules.replaceAll('unless on (namespace)', 'or on (namespace)'))).rejects.toThrow(
      /FAILED:[\s\S]*alertname: MCPAvailabilityBudgetBurn, time: 1h30m/,
    );
    await expect(promtoolRuleChecks('probe', FLEET_OBJECTIVES, (rules) => rules.replaceAll(`>= ${FLEET_OBJECTIVES.minRequests}`, '>= 0'))).rejects.toThrow(/FAILED:/);
  });

  it('holds for other objectives too: a stricter availability, a lower latency threshold, more minimum traffic', async () => {
    const objectives = { availability: 99.99, latency: { percent: 95, thresholdMs: 100 }, minRequests: 1000, maxInFlightPerPod: 8 };
    expect(await promtoolRuleChecks('strict', objectives)).toMatch(/Unit Testing: .*\n\s+SUCCESS/);
  });

  it('shortens every window for the live test without changing the rules\' names', async () => {
    const { spec } = prometheusRule('fast', FLEET_OBJECTIVES, { scale: 1 / 60 }) as { spec: { groups: { rules: { record?: string; alert?: string; expr: string; for?: string }[] }[] } };
    const rules = spec.groups.flatMap((group) => group.rules);
    expect(rules.find((rule) => rule.record === 'slo:sli_error:ratio_rate1h')?.expr).toContain('[1m]');
    expect(rules.find((rule) => rule.record === 'slo:sli_error:ratio_rate5m')?.expr).toContain('[5s]');
    expect(rules.find((rule) => rule.alert === 'MCPAvailabilityBudgetBurn')?.for).toBe('2s');
    const file = join(scratch, 'fast.yaml');
    writeFileSync(file, stringify(spec, { lineWidth: 0 }));
    expect(await promtool(['check', 'rules', file])).toMatch(/SUCCESS: 29 rules found/);
  });
});

describe('duration', () => {
  it.each([
    [300, 1, '5m'],
    [86_400, 1, '1d'],
    [259_200, 1, '3d'],
    [3600, 1 / 60, '1m'],
    [300, 1 / 60, '5s'],
    [900, 1 / 3600, '1s'],
    [5400, 1, '90m'],
  ])('%i s scaled by %d is %s', (seconds, scale, text) => {
    expect(duration(seconds, scale)).toBe(text);
  });
});

describe('resolveObjectives', () => {
  it('gives the fleet defaults without an entry, and takes what an app sets over them', () => {
    expect(resolveObjectives('a', undefined)).toEqual({ objectives: FLEET_OBJECTIVES, problems: [] });
    expect(resolveObjectives('a', { availability: 99.5, latency: { thresholdMs: 250 } }).objectives).toEqual({
      ...FLEET_OBJECTIVES,
      availability: 99.5,
      latency: { percent: 99, thresholdMs: 250 },
    });
  });

  it('names the key, the value and the fix for every problem at once', () => {
    expect(resolveObjectives('docs', { availability: 100, latency: { thresholdMs: 300, percent: '99' }, minRequests: 0, availabilty: 99 }).problems).toEqual([
      'docs: mcpFleet.objectives.availabilty is not a known key; the keys are availability, latency, minRequests, maxInFlightPerPod (apps/docs/package.json)',
      'docs: mcpFleet.objectives.availability must be a percentage from 90 to 99.999 (99.9 leaves 43 minutes of server errors in 30 days), got 100',
      'docs: mcpFleet.objectives.latency.percent must be a percentage from 90 to 99.999 (99.9 leaves 43 minutes of server errors in 30 days), got "99"',
      'docs: mcpFleet.objectives.latency.thresholdMs must be an edge of the duration histogram (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 ms), got 300; the nearest are 250 and 500; a share of calls slower than a threshold is only measured exactly at an edge',
      'docs: mcpFleet.objectives.minRequests must be a whole number of at least 1, got 0',
    ]);
    expect(resolveObjectives('docs', { latency: { p99: 1 } }).problems).toEqual(['docs: mcpFleet.objectives.latency.p99 is not a known key; the keys are percent, thresholdMs']);
    expect(resolveObjectives('docs', 99.9).problems).toEqual(['docs: mcpFleet.objectives must be an object such as {"availability": 99.9}, got 99.9']);
  });
});
