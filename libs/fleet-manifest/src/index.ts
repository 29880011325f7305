// An app's `mcpFleet` manifest: the settings in apps/<app>/package.json that say how the fleet builds, checks,
// watches, deploys and ships it. This is the one place it is parsed; every reader takes what readApp() returns.
// Units are in the key names: …Percent is 0–100, …Ratio a multiple or a fraction, …Ms, …Sec, …Mb, …Days.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DURATION_BUCKETS } from '@mcp-fleet/runtime/metrics-contract';
import { z } from 'zod';

/** A number setting: its range, whether it is whole, what it means; a percent that may be 0 refuses a fraction. */
interface NumberSpec {
  min: number;
  max: number;
  whole?: boolean;
  help: string;
}

const SPACE = /^\s*$/;

function numberSetting(spec: NumberSpec) {
  const error = `must be a ${spec.whole ? 'whole ' : ''}number from ${spec.min} to ${spec.max} (${spec.help})`;
  const checked = z.number({ error }).min(spec.min, { error }).max(spec.max, { error });
  return (spec.whole ? checked.int({ error }) : checked).describe(spec.help);
}

/**
 * A percent from 0 (none allowed): a value between 0 and 1 reads as a fraction (0.05 meant as 5%), which would
 * set a limit 100 times tighter than meant, so it is refused; a limit under 1% is not one a canary can measure.
 */
function percentSetting(spec: Omit<NumberSpec, 'min' | 'max'>) {
  return numberSetting({ ...spec, min: 0, max: 100 }).refine((value) => value === 0 || value >= 1, {
    error: (issue) => {
      const meant = Number(((issue.input as number) * 100).toPrecision(12));
      return `reads as a fraction; keys ending in Percent are percentages: write ${meant} for ${meant}% (0, or from 1 to 100)`;
    },
  });
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** A duration with its unit, such as "90s" or "2m", as milliseconds, from `min` to `max` seconds. */
function durationSetting(spec: NumberSpec) {
  const error = `must be a duration such as "30s" or "2m", from ${spec.min}s to ${spec.max / 60}m (${spec.help})`;
  return z
    .string({ error })
    .regex(DURATION, { error })
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text)!;
      return Number(amount) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
    })
    .refine((ms) => ms >= spec.min * 1000 && ms <= spec.max * 1000, { error })
    .describe(spec.help);
}

/** A group of settings: an unknown key is refused with the list of known ones. */
const settings = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `is not a setting; the settings are ${Object.keys(shape).join(', ')}`
        : 'must be an object of settings ({} takes the defaults)',
  });

/** A canary setting: its default (none: derived from others), what it means, and its check. */
const canarySetting = <Schema extends z.ZodType<number>>(
  defaultValue: number | string | undefined,
  help: string,
  schema: (help: string) => Schema,
) => ({
  default: defaultValue,
  help,
  schema: schema(help),
});

/**
 * The canary's settings (deploy --strategy canary): default and meaning. deploy takes each as a flag too,
 * `--canary-` and the key in kebab case (`maxErrorPercent` is `--canary-max-error-percent`); a flag wins over the
 * app's setting, the app's over the default.
 */
export const CANARY_SETTINGS = {
  weightPercent: canarySetting(10, 'percent of pods on the new image (by replica count; at least one pod)', (help) =>
    numberSetting({ min: 1, max: 50, whole: true, help }),
  ),
  interval: canarySetting('1m', 'length of one analysis interval (1s to 1h)', (help) => durationSetting({ min: 1, max: 3600, help })),
  passes: canarySetting(5, 'passing intervals needed to promote', (help) => numberSetting({ min: 1, max: 100, whole: true, help })),
  maxIntervals: canarySetting(
    undefined,
    'the maximum bake, in intervals; not promoted by then is an abort (default: twice the passes)',
    (help) => numberSetting({ min: 1, max: 1000, whole: true, help }),
  ),
  maxFailures: canarySetting(1, 'abort at this many failing intervals', (help) => numberSetting({ min: 1, max: 1000, whole: true, help })),
  maxInconclusive: canarySetting(undefined, 'abort at this many inconclusive intervals (default: the maximum bake)', (help) =>
    numberSetting({ min: 1, max: 1000, whole: true, help }),
  ),
  maxErrors: canarySetting(3, 'abort at this many measurement errors in a row', (help) =>
    numberSetting({ min: 1, max: 1000, whole: true, help }),
  ),
  minRequests: canarySetting(50, 'requests each track must serve in an interval for a verdict; fewer is inconclusive', (help) =>
    numberSetting({ min: 1, max: 1e9, whole: true, help }),
  ),
  errorMarginPercent: canarySetting(1, "percentage points the canary's server-error ratio may exceed the stable pods'", (help) =>
    percentSetting({ help }),
  ),
  maxErrorPercent: canarySetting(5, 'percent of server errors the canary may never exceed', (help) => percentSetting({ help })),
  maxLatencyRatio: canarySetting(1.5, "the canary's p95 latency as a multiple of the stable pods' at most", (help) =>
    numberSetting({ min: 1, max: 100, help }),
  ),
} as const;
export type CanarySetting = keyof typeof CANARY_SETTINGS;
/** An app's own canary settings, checked; `interval` in milliseconds. Unset keys take the flag or the default. */
export type CanaryManifest = { [Key in CanarySetting]?: z.output<(typeof CANARY_SETTINGS)[Key]['schema']> };

const canarySchema = settings(
  Object.fromEntries(Object.entries(CANARY_SETTINGS).map(([key, { schema }]) => [key, schema.optional()])) as {
    [Key in CanarySetting]: z.ZodOptional<(typeof CANARY_SETTINGS)[Key]['schema']>;
  },
);

/** One value of a canary setting, as a flag gives it (text): its checked value, or why it is refused. */
export function canaryValue(key: CanarySetting, text: string): { value: number } | { problem: string } {
  const parsed = CANARY_SETTINGS[key].schema.safeParse(key === 'interval' ? text : SPACE.test(text) ? Number.NaN : Number(text));
  return parsed.success ? { value: parsed.data } : { problem: parsed.error.issues[0]!.message };
}

/** The latency thresholds an objective may use: the duration histogram's bucket edges, in milliseconds. */
const LATENCY_EDGES_MS = DURATION_BUCKETS.map((seconds) => Math.round(seconds * 1000));

function nearestEdges(value: number): string {
  const below = LATENCY_EDGES_MS.filter((edge) => edge < value).at(-1);
  const above = LATENCY_EDGES_MS.find((edge) => edge > value);
  return `; the nearest are ${[below, above].filter((edge) => edge !== undefined).join(' and ')}`;
}

const objectivePercent = (help: string) => numberSetting({ min: 90, max: 99.999, help });

/** What an app promises, and the limits its alerts watch (the monitoring generator's input). */
const objectivesSchema = settings({
  availabilityPercent: objectivePercent(
    'percent of requests without a server error over 30 days; 99.9 leaves 43 minutes of server errors',
  ).default(99.9),
  latency: settings({
    percent: objectivePercent('percent of tools/call answered within thresholdMs over 30 days').default(99),
    thresholdMs: z
      .number()
      .refine((value) => LATENCY_EDGES_MS.includes(value), {
        error: (issue) =>
          `must be an edge of the duration histogram (${LATENCY_EDGES_MS.join(', ')} ms)${nearestEdges(issue.input as number)}: a share of calls slower than a threshold is only measured exactly at an edge`,
      })
      .default(500)
      .describe('the latency objective’s threshold, an edge of the duration histogram'),
  }).prefault({}),
  minRequests: numberSetting({
    min: 1,
    max: 1e9,
    whole: true,
    help: 'requests an SLO alert’s long window must have seen before it may fire',
  }).default(100),
  maxInFlightPerPod: numberSetting({
    min: 1,
    max: 1e6,
    whole: true,
    help: 'requests in flight in one pod, held for 10 minutes, that count as saturation',
  }).default(64),
});
export type Objectives = z.output<typeof objectivesSchema>;

const ENV_NAME = /^[A-Z][A-Z0-9_]{0,127}$/;
const environment = (help: string) =>
  z
    .record(z.string(), z.string(), { error: 'must be an object of environment variables' })
    .refine((map) => Object.entries(map).every(([name, value]) => ENV_NAME.test(name) && value.length > 0 && value.length <= 4096), {
      error: 'each entry must be an environment variable name (A-Z, digits, _) with a non-empty string value',
    })
    .default({})
    .describe(help);

/** An app's function (tools/lambda-stack): present when it ships as a function; every key has a default. */
const lambdaSchema = settings({
  memoryMb: numberSetting({
    min: 128,
    max: 10_240,
    whole: true,
    help: 'memory in MB; Lambda gives CPU in proportion (1769 MB is one vCPU)',
  }).default(1024),
  timeoutSec: numberSetting({
    min: 1,
    max: 900,
    whole: true,
    help: 'the longest one invocation may take, in seconds (an HTTP API gives up after 30)',
  }).default(30),
  endpoint: z
    .enum(['function-url', 'http-api', 'both'], { error: 'must be one of function-url, http-api, both' })
    .default('function-url')
    .describe('Function URL (with response streaming), an API Gateway HTTP API (payload 2.0, buffered), or both'),
  logRetentionDays: numberSetting({ min: 1, max: 3653, whole: true, help: 'days CloudWatch keeps the function’s logs' }).default(30),
  canaryPercent: numberSetting({ min: 1, max: 99, help: 'the share of traffic CodeDeploy shifts to a new version first' }).default(10),
  canaryMinutes: numberSetting({ min: 1, max: 2880, whole: true, help: 'minutes before the rest of the traffic shifts' }).default(5),
  maxErrorPercent: percentSetting({ help: 'percent of server errors over a minute that rolls a new version back' }).default(1),
  maxP95Ms: numberSetting({ min: 1, max: 900_000, help: 'p95 latency in milliseconds that rolls a new version back' }).default(1000),
  environment: environment('plain environment variables (no secrets)'),
  secrets: environment(
    'environment variables read from AWS Secrets Manager by name at deploy time, e.g. { "DATABASE_URL": "documents/database-url" }',
  ),
}).superRefine((lambda, context) => {
  const both = Object.keys(lambda.environment).filter((name) => name in lambda.secrets);
  if (both.length > 0)
    context.addIssue({
      code: 'custom',
      path: ['secrets'],
      input: lambda.secrets,
      message: `sets ${both.join(', ')}, which environment sets too; a variable comes from one of them`,
    });
  if (lambda.endpoint !== 'function-url' && lambda.timeoutSec > 30) {
    context.addIssue({
      code: 'custom',
      path: ['timeoutSec'],
      input: lambda.timeoutSec,
      message: 'is more than an HTTP API waits (30 s); lower it, or use endpoint "function-url"',
    });
  }
});
export type FunctionSettings = z.output<typeof lambdaSchema>;

/** The call load and soak make by default: a tool of the app, its arguments, and a login when it needs one. */
const loadCallSchema = settings({
  tool: z.string({ error: 'must be the name of one of the app’s tools' }).min(1).max(128).describe('the tool load and soak call'),
  arguments: z
    .record(z.string(), z.unknown(), { error: 'must be an object of the tool’s arguments' })
    .default({})
    .describe('its arguments'),
  login: z
    .string()
    .regex(/^[^:\s]{1,128}:\S{1,256}$/, { error: 'must be user:password, for the app’s /auth/login' })
    .optional()
    .describe('user:password to log in with first (a test account)'),
});
export type LoadCall = z.output<typeof loadCallSchema>;

/** The whole `mcpFleet` entry. */
export const mcpFleetSchema = settings({
  port: numberSetting({
    min: 1024,
    max: 65_535,
    whole: true,
    help: 'the port it listens on in development; config/base.yaml port says the same',
  }),
  loadCall: loadCallSchema.optional(),
  auth: z
    .enum(['none', 'oauth'], { error: 'must be none or oauth' })
    .default('none')
    .describe(
      'oauth: the app verifies bearer tokens (its defineService returns authenticate), so its server.json says clients authorize with OAuth',
    ),
  kubernetes: z
    .boolean({ error: 'must be true or false' })
    .default(true)
    .describe('false: the app ships only as a function, with no image, manifests or alerts'),
  objectives: objectivesSchema.prefault({}),
  canary: canarySchema.optional(),
  lambda: lambdaSchema.optional(),
}).superRefine((fleet, context) => {
  if (!fleet.kubernetes && !fleet.lambda)
    context.addIssue({
      code: 'custom',
      path: ['kubernetes'],
      input: false,
      message: 'leaves the app nowhere to ship: add a "lambda" entry ({} takes the defaults) or drop kubernetes: false',
    });
});
export type McpFleet = z.output<typeof mcpFleetSchema>;

/** The fleet's defaults: what an app gets without an objectives entry. A platform team changes them here. */
export const FLEET_OBJECTIVES: Objectives = objectivesSchema.parse({});
/** A function's settings with nothing set. */
export const FUNCTION_DEFAULTS: FunctionSettings = lambdaSchema.parse({});

/** Keys that meant another unit before: each is refused with its new name, so no old value is read 100× off. */
const RENAMED: Record<string, string> = {
  'canary.weight': 'canary.weightPercent',
  'canary.errorMargin': 'canary.errorMarginPercent (percentage points, as before)',
  'canary.maxErrorRatio': 'canary.maxErrorPercent (percent, as before)',
  'lambda.maxErrorRatio': 'lambda.maxErrorPercent, in percent: 1 for the old 0.01',
  'objectives.availability': 'objectives.availabilityPercent',
};

const shown = (value: unknown): string => (value === undefined ? 'missing' : `${JSON.stringify(value)?.slice(0, 200)}`);

/** An `mcpFleet` entry checked: the manifest with its defaults, or every problem as "where is what: why and the fix". */
export function parseMcpFleet(app: string, entry: unknown): { fleet: McpFleet; problems: [] } | { fleet: undefined; problems: string[] } {
  const at = (path: PropertyKey[]) => `apps/${app}/package.json mcpFleet${path.map((key) => `.${String(key)}`).join('')}`;
  const parsed = mcpFleetSchema.safeParse(entry, { reportInput: true });
  if (parsed.success) return { fleet: parsed.data, problems: [] };
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code !== 'unrecognized_keys') return [`${at(issue.path)} is ${shown(issue.input)}: ${issue.message}`];
    return issue.keys.map((key) => {
      const renamed = RENAMED[[...issue.path, key].join('.')];
      return renamed ? `${at([...issue.path, key])} is now mcpFleet.${renamed}; rename it` : `${at([...issue.path, key])} ${issue.message}`;
    });
  });
  return { fleet: undefined, problems };
}

/** A manifest that cannot be used, with every problem. */
export class ManifestError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ManifestError';
  }
}

const packageJsonOf = (workspaceRoot: string, app: string): Record<string, unknown> => {
  const file = join(workspaceRoot, 'apps', app, 'package.json');
  if (!existsSync(file)) throw new ManifestError([`no app named ${app}: ${file} does not exist`]);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ManifestError([`${file} is not JSON: ${(error as Error).message}`]);
  }
};

/** The workspace a command or test runs in: the folder with nx.json above `from` (default: the current folder). */
export function workspaceRoot(from = process.cwd()): string {
  let dir = resolve(from);
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no nx.json above ${from}: run inside the mcp-fleet workspace`);
    dir = parent;
  }
  return dir;
}

/** The apps of a workspace: folders of apps/ whose package.json has an mcpFleet entry (valid or not), by name. */
export function listApps(workspaceRoot: string): string[] {
  const apps = join(workspaceRoot, 'apps');
  if (!existsSync(apps)) return [];
  return readdirSync(apps)
    .filter((app) => existsSync(join(apps, app, 'package.json')) && packageJsonOf(workspaceRoot, app).mcpFleet !== undefined)
    .sort();
}

/** One app's manifest, or every problem with it; undefined when its package.json has no mcpFleet entry. */
export function checkApp(workspaceRoot: string, app: string): ReturnType<typeof parseMcpFleet> | undefined {
  const entry = packageJsonOf(workspaceRoot, app).mcpFleet;
  return entry === undefined ? undefined : parseMcpFleet(app, entry);
}

/** One app's manifest, undefined when its package.json has no mcpFleet entry; a ManifestError names each problem. */
export function readApp(workspaceRoot: string, app: string): McpFleet | undefined {
  const checked = checkApp(workspaceRoot, app);
  if (checked && !checked.fleet) throw new ManifestError(checked.problems);
  return checked?.fleet;
}

/** The JSON Schema of a package.json with an mcpFleet entry, for editors (libs/fleet-manifest/mcp-fleet.schema.json). */
export function packageJsonSchema(): object {
  const { $schema, ...fleet } = z.toJSONSchema(mcpFleetSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema,
    title: 'An mcp-fleet app’s package.json',
    description: 'GENERATED from libs/fleet-manifest/src/index.ts (npm run manifest-schema); do not edit.',
    type: 'object',
    properties: {
      mcpFleet: { description: 'How the fleet builds, checks, watches, deploys and ships this app (libs/fleet-manifest).', ...fleet },
    },
  };
}
