import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An app's function, as its package.json `mcpFleet.lambda` describes it: an app ships as a function when it has
 * the entry (the service generator writes it with --target lambda or both). Every key has a default.
 */
export interface FunctionSettings {
  /** Memory in MB; Lambda gives CPU in proportion (1769 MB is one vCPU). */
  memoryMb: number;
  /** The longest one invocation may take, in seconds (API Gateway's own limit is 30 s). */
  timeoutSec: number;
  /** Function URL (with response streaming), an API Gateway HTTP API (payload 2.0, buffered), or both. */
  endpoint: 'function-url' | 'http-api' | 'both';
  logRetentionDays: number;
  /** CodeDeploy shifts this share of traffic to a new version first, for this many minutes, then the rest. */
  canaryPercent: number;
  canaryMinutes: number;
  /** Rollback triggers, on the function's own EMF metrics: the share of server errors, and p95 latency. */
  maxErrorRatio: number;
  maxP95Ms: number;
  /** Plain environment variables (no secrets). */
  environment: Record<string, string>;
  /** Environment variables read from AWS Secrets Manager by name at deploy time, e.g. { DATABASE_URL: 'documents/database-url' }. */
  secrets: Record<string, string>;
}

export const DEFAULT_SETTINGS: FunctionSettings = {
  memoryMb: 1024,
  timeoutSec: 30,
  endpoint: 'function-url',
  logRetentionDays: 30,
  canaryPercent: 10,
  canaryMinutes: 5,
  maxErrorRatio: 0.01,
  maxP95Ms: 1000,
  environment: {},
  secrets: {},
};

const RANGES: Partial<Record<keyof FunctionSettings, [number, number]>> = {
  memoryMb: [128, 10_240],
  timeoutSec: [1, 900],
  logRetentionDays: [1, 3653],
  canaryPercent: [1, 99],
  canaryMinutes: [1, 2880],
  maxErrorRatio: [0, 1],
  maxP95Ms: [1, 900_000],
};
const ENDPOINTS = ['function-url', 'http-api', 'both'];
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;

/** The settings from an app's `mcpFleet.lambda`, over the defaults; every problem named by key, value and fix. */
export function functionSettings(app: string, entry: unknown): { settings: FunctionSettings; problems: string[] } {
  const where = (key: string) => `apps/${app}/package.json mcpFleet.lambda.${key}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    return { settings: DEFAULT_SETTINGS, problems: [`apps/${app}/package.json mcpFleet.lambda must be an object of settings ({} for the defaults), got ${JSON.stringify(entry)}`] };
  }
  const problems: string[] = [];
  const settings: FunctionSettings = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(entry)) {
    if (!(key in DEFAULT_SETTINGS)) {
      problems.push(`${where(key)} is not a setting; the settings are ${Object.keys(DEFAULT_SETTINGS).join(', ')}`);
      continue;
    }
    const range = RANGES[key as keyof FunctionSettings];
    if (range) {
      if (typeof value !== 'number' || value < range[0] || value > range[1]) problems.push(`${where(key)} is ${JSON.stringify(value)}; it must be a number from ${range[0]} to ${range[1]}`);
      else Object.assign(settings, { [key]: value });
    } else if (key === 'endpoint') {
      if (!ENDPOINTS.includes(value as string)) problems.push(`${where(key)} is ${JSON.stringify(value)}; it must be one of ${ENDPOINTS.join(', ')}`);
      else settings.endpoint = value as FunctionSettings['endpoint'];
    } else {
      const map = value as Record<string, unknown>;
      const bad = typeof map !== 'object' || map === null || Array.isArray(map) ? [key] : Object.entries(map).filter(([name, text]) => !ENV_NAME.test(name) || typeof text !== 'string' || text === '').map(([name]) => `${key}.${name}`);
      if (bad.length > 0) problems.push(`${bad.map(where).join(', ')}: each entry must be an environment variable name (A_Z, digits, _) with a non-empty string value`);
      else Object.assign(settings, { [key]: map });
    }
  }
  const both = Object.keys(settings.environment).filter((name) => name in settings.secrets);
  if (both.length > 0) problems.push(`${where('environment')} and ${where('secrets')} both set ${both.join(', ')}; a variable comes from one of them`);
  if (settings.endpoint !== 'function-url' && settings.timeoutSec > 30) problems.push(`${where('timeoutSec')} is ${settings.timeoutSec}, but an HTTP API gives up after 30 s; lower it, or use endpoint "function-url"`);
  return { settings, problems };
}

/** The `mcpFleet.lambda` entry of apps/<app>/package.json, undefined when the app does not ship as a function. */
export function lambdaEntry(workspaceRoot: string, app: string): unknown {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'apps', app, 'package.json'), 'utf8')) as { mcpFleet?: { lambda?: unknown } };
  return manifest.mcpFleet?.lambda;
}
