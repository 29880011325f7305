import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FLEET_OBJECTIVES, listApps, readApp, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { duration, prometheusRule } from './index';
import { promtool, promtoolRuleChecks } from './promtool';

const root = workspaceRoot();
const scratch = mkdtempSync(join(tmpdir(), 'monitoring-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("every app's PrometheusRule, on the real promtool", () => {
  it.each(listApps(root))(
    '%s: passes `promtool check rules`, and every alert its unit tests (fires, quiet when healthy, quiet on low traffic, resolves)',
    async (app) => {
      const { objectives } = readApp(root, app)!;
      const output = await promtoolRuleChecks(app, objectives);
      expect(output).toMatch(/SUCCESS: 29 rules found/);
      expect(output).toMatch(/Unit Testing: .*\n\s+SUCCESS/);
    },
  );

  it('fails those unit tests when a fast burn raises no ticket, or the low-traffic guard is gone', async () => {
    await expect(promtoolRuleChecks('probe', FLEET_OBJECTIVES, (rules) => rules.replaceAll('for: 15m', 'for: 2h'))).rejects.toThrow(
      /FAILED:[\s\S]*alertname: MCPAvailabilityBudgetBurn, time: 1h30m/,
    );
    await expect(
      promtoolRuleChecks('probe', FLEET_OBJECTIVES, (rules) => rules.replaceAll(`>= ${FLEET_OBJECTIVES.minRequests}`, '>= 0')),
    ).rejects.toThrow(/FAILED:/);
  });

  it('holds for other objectives too: a stricter availability, a lower latency threshold, more minimum traffic', async () => {
    const objectives = { availabilityPercent: 99.99, latency: { percent: 95, thresholdMs: 100 }, minRequests: 1000, maxInFlightPerPod: 8 };
    expect(await promtoolRuleChecks('strict', objectives)).toMatch(/Unit Testing: .*\n\s+SUCCESS/);
  });

  it("shortens every window for the live test without changing the rules' names", async () => {
    const { spec } = prometheusRule('fast', FLEET_OBJECTIVES, { scale: 1 / 60 }) as {
      spec: { groups: { rules: { record?: string; alert?: string; expr: string; for?: string }[] }[] };
    };
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
