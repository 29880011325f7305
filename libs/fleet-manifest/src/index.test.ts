import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  canaryValue,
  checkApp,
  FLEET_OBJECTIVES,
  FUNCTION_DEFAULTS,
  listApps,
  ManifestError,
  packageJsonSchema,
  parseMcpFleet,
  readApp,
} from './index';

const root = join(import.meta.dirname, '..', '..', '..');
const problems = (entry: unknown) => parseMcpFleet('x', entry).problems;

describe("this workspace's apps", () => {
  it('are listed by their mcpFleet entry and read with the defaults under what they set', () => {
    expect(listApps(root)).toEqual(expect.arrayContaining(['documents', 'text-tools']));
    const documents = readApp(root, 'documents')!;
    expect(documents).toMatchObject({
      port: 3002,
      auth: 'oauth',
      kubernetes: true,
      objectives: FLEET_OBJECTIVES,
      loadCall: { tool: 'list_documents', login: 'testuser:password' },
    });
    expect(documents.lambda).toEqual({
      ...FUNCTION_DEFAULTS,
      secrets: { DATABASE_URL: 'mcp-fleet/documents/database-url', AUTH__SECRET: 'mcp-fleet/documents/auth-secret' },
    });
    for (const app of listApps(root)) expect(checkApp(root, app)?.problems, app).toEqual([]);
  });
});

describe('a manifest', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'fleet-manifest-'));
  afterAll(() => rmSync(workspace, { recursive: true, force: true }));
  const write = (app: string, text: string) => {
    mkdirSync(join(workspace, 'apps', app), { recursive: true });
    writeFileSync(join(workspace, 'apps', app, 'package.json'), text);
  };

  it('is read from apps/<app>/package.json: none without an entry, every problem at once with one', () => {
    write('plain', JSON.stringify({ name: 'plain' }));
    write('broken', JSON.stringify({ name: 'broken', mcpFleet: { port: 80, colour: 'red' } }));
    write('garbled', '{ "name": ');
    expect(readApp(workspace, 'plain')).toBeUndefined();
    expect(() => readApp(workspace, 'broken')).toThrow(ManifestError);
    expect(() => readApp(workspace, 'broken')).toThrow(
      'apps/broken/package.json mcpFleet.port is 80: must be a whole number from 1024 to 65535 (the port it listens on in development; config/base.yaml port says the same)\n' +
        'apps/broken/package.json mcpFleet.colour is not a setting; the settings are port, loadCall, auth, kubernetes, objectives, canary, lambda',
    );
    expect(() => readApp(workspace, 'garbled')).toThrow(/apps\/garbled\/package.json is not JSON: /);
    expect(() => readApp(workspace, 'missing')).toThrow('no app named missing: ');
    expect(() => listApps(workspace)).toThrow('is not JSON');
  });

  it('names the key, the value and the fix of every problem', () => {
    expect(problems({ port: 3000, lambda: { memoryMb: 64, endpoint: 'ftp', colour: 'red', secrets: { 'bad name': 'y' } } })).toEqual([
      'apps/x/package.json mcpFleet.lambda.memoryMb is 64: must be a whole number from 128 to 10240 (memory in MB; Lambda gives CPU in proportion (1769 MB is one vCPU))',
      'apps/x/package.json mcpFleet.lambda.endpoint is "ftp": must be one of function-url, http-api, both',
      'apps/x/package.json mcpFleet.lambda.secrets is {"bad name":"y"}: each entry must be an environment variable name (A-Z, digits, _) with a non-empty string value',
      'apps/x/package.json mcpFleet.lambda.colour is not a setting; the settings are memoryMb, timeoutSec, endpoint, logRetentionDays, canaryPercent, canaryMinutes, maxErrorPercent, maxP95Ms, environment, secrets',
    ]);
    expect(problems({ port: 3000, lambda: { endpoint: 'both', timeoutSec: 60, environment: { A: '1' }, secrets: { A: 'a' } } })).toEqual([
      'apps/x/package.json mcpFleet.lambda.secrets is {"A":"a"}: sets A, which environment sets too; a variable comes from one of them',
      'apps/x/package.json mcpFleet.lambda.timeoutSec is 60: is more than an HTTP API waits (30 s); lower it, or use endpoint "function-url"',
    ]);
    expect(
      problems({
        port: 3000,
        objectives: { availabilityPercent: 100, latency: { thresholdMs: 300, percent: '99' }, minRequests: 0, availabilty: 99 },
      }),
    ).toEqual([
      'apps/x/package.json mcpFleet.objectives.availabilityPercent is 100: must be a number from 90 to 99.999 (percent of requests without a server error over 30 days; 99.9 leaves 43 minutes of server errors)',
      'apps/x/package.json mcpFleet.objectives.latency.percent is "99": must be a number from 90 to 99.999 (percent of tools/call answered within thresholdMs over 30 days)',
      'apps/x/package.json mcpFleet.objectives.latency.thresholdMs is 300: must be an edge of the duration histogram (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000 ms); the nearest are 250 and 500: a share of calls slower than a threshold is only measured exactly at an edge',
      'apps/x/package.json mcpFleet.objectives.minRequests is 0: must be a whole number from 1 to 1000000000 (requests an SLO alert’s long window must have seen before it may fire)',
      'apps/x/package.json mcpFleet.objectives.availabilty is not a setting; the settings are availabilityPercent, latency, minRequests, maxInFlightPerPod',
    ]);
    expect(problems({ port: 3000, canary: [1], loadCall: { tool: '', login: 'nopassword' } })).toEqual([
      'apps/x/package.json mcpFleet.loadCall.tool is "": must be the name of one of the app’s tools',
      'apps/x/package.json mcpFleet.loadCall.login is "nopassword": must be user:password, for the app’s /auth/login',
      'apps/x/package.json mcpFleet.canary is [1]: must be an object of settings ({} takes the defaults)',
    ]);
    expect(problems({ kubernetes: false })).toEqual([
      'apps/x/package.json mcpFleet.port is missing: must be a whole number from 1024 to 65535 (the port it listens on in development; config/base.yaml port says the same)',
    ]);
    expect(problems({ port: 3000, kubernetes: false })).toEqual([
      'apps/x/package.json mcpFleet.kubernetes is false: leaves the app nowhere to ship: add a "lambda" entry ({} takes the defaults) or drop kubernetes: false',
    ]);
    expect(problems('nope')).toEqual(['apps/x/package.json mcpFleet is "nope": must be an object of settings ({} takes the defaults)']);
  });

  it('refuses a fraction given for a percent, and the keys that meant another unit, with their new names', () => {
    expect(problems({ port: 3000, canary: { maxErrorPercent: 0.05, errorMarginPercent: 0.5 }, lambda: { maxErrorPercent: 0.01 } })).toEqual(
      [
        'apps/x/package.json mcpFleet.canary.errorMarginPercent is 0.5: reads as a fraction; keys ending in Percent are percentages: write 50 for 50% (0, or from 1 to 100)',
        'apps/x/package.json mcpFleet.canary.maxErrorPercent is 0.05: reads as a fraction; keys ending in Percent are percentages: write 5 for 5% (0, or from 1 to 100)',
        'apps/x/package.json mcpFleet.lambda.maxErrorPercent is 0.01: reads as a fraction; keys ending in Percent are percentages: write 1 for 1% (0, or from 1 to 100)',
      ],
    );
    expect(
      problems({
        port: 3000,
        canary: { maxErrorRatio: 5, weight: 10 },
        lambda: { maxErrorRatio: 0.01 },
        objectives: { availability: 99.9 },
      }),
    ).toEqual([
      'apps/x/package.json mcpFleet.objectives.availability is now mcpFleet.objectives.availabilityPercent; rename it',
      'apps/x/package.json mcpFleet.canary.maxErrorRatio is now mcpFleet.canary.maxErrorPercent (percent, as before); rename it',
      'apps/x/package.json mcpFleet.canary.weight is now mcpFleet.canary.weightPercent; rename it',
      'apps/x/package.json mcpFleet.lambda.maxErrorRatio is now mcpFleet.lambda.maxErrorPercent, in percent: 1 for the old 0.01; rename it',
    ]);
    expect(
      parseMcpFleet('x', { port: 3000, canary: { maxErrorPercent: 0, errorMarginPercent: 2, interval: '90s' } }).fleet?.canary,
    ).toEqual({ maxErrorPercent: 0, errorMarginPercent: 2, interval: 90_000 });
  });

  it("checks a flag's text as the same setting", () => {
    expect(canaryValue('interval', '2m')).toEqual({ value: 120_000 });
    expect(canaryValue('interval', '2')).toEqual({ problem: expect.stringContaining('must be a duration such as "30s" or "2m"') });
    expect(canaryValue('maxErrorPercent', '0.05')).toEqual({ problem: expect.stringContaining('reads as a fraction') });
    expect(canaryValue('passes', ' ')).toEqual({ problem: expect.stringContaining('must be a whole number from 1 to 100') });
    expect(canaryValue('maxLatencyRatio', 'Infinity')).toEqual({ problem: expect.stringContaining('must be a number from 1 to 100') });
  });
});

describe('the JSON Schema editors check package.json with', () => {
  it('is what the zod schema generates (npm run manifest-schema)', () => {
    expect(readFileSync(join(import.meta.dirname, '..', 'mcp-fleet.schema.json'), 'utf8')).toBe(
      `${JSON.stringify(packageJsonSchema(), null, 2)}\n`,
    );
  });

  it('knows every key, and no key it does not', () => {
    const fleet = (
      packageJsonSchema() as {
        properties: { mcpFleet: { properties: Record<string, { properties?: object }>; additionalProperties: boolean } };
      }
    ).properties.mcpFleet;
    expect(Object.keys(fleet.properties)).toEqual(['port', 'loadCall', 'auth', 'kubernetes', 'objectives', 'canary', 'lambda']);
    expect(fleet.additionalProperties).toBe(false);
    expect(Object.keys(fleet.properties.canary!.properties!)).toContain('maxErrorPercent');
  });
});
