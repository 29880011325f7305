// The newest official conformance suite (@modelcontextprotocol/conformance 0.2.0-alpha.12, installed as
// @modelcontextprotocol/conformance-next; it needs Node 22+, so this file runs on Node 24 in .ci/run's tier and
// in CI's Node 24 shards, and vitest.config.ts leaves it out on older Nodes). Its active suite (the 2025 era)
// against the fixture server; the 2026-07-28 requirement set against the fixture server, where every scenario
// passes but the ones named below with why; and the 2026-07-28 scenarios that need no fixture against every app.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAppScenarios, failures, runSuite, type Check } from './suite';

const root = workspaceRoot();
const cli = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance-next/dist/index.js');
const MODERN = ['--requirements', '2026-07-28'];

/**
 * The 2026-07-28 scenarios the fixture server cannot pass yet, and why: an extension the runtime does not implement.
 */
const NOT_YET: Record<string, string> = Object.fromEntries(
  [
    'lifecycle',
    'capability-negotiation',
    'wire-fields',
    'request-state-removal',
    'mrtr-input',
    'request-headers',
    'dispatch-and-envelope',
    'required-task-error',
    'mrtr-composition',
  ].map((name) => [`tasks-${name}`, 'the tasks extension (not scored for 2026-07-28), which the runtime does not implement']),
);

/** The 2026-07-28 scenarios an app can pass with no fixture of the suite's. */
const NO_FIXTURE = [
  'tools-list',
  'resources-list',
  'prompts-list',
  'sep-2164-resource-not-found',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
  'http-header-validation',
];

const failingScenarios = (results: Map<string, Check[]>) =>
  [...results].filter(([, checks]) => checks.some((check) => check.status === 'FAILURE')).map(([scenario]) => scenario);

describe('the newest conformance suite against the fixture server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: join(root, 'tools', 'conformance-server', 'dist', 'main.js'), coverageDir: false });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('passes every check of every active (2025-era) server scenario', async () => {
    const results = await runSuite(cli, server.url);
    expect(failures(results)).toEqual([]);
    expect(results.size).toBeGreaterThanOrEqual(31);
    console.log(`conformance 0.2.0-alpha.12, active: ${results.size} scenarios, ${[...results.values()].flat().length} checks passed`);
  });

  it('passes every 2026-07-28 scenario but the ones that need what it does not have yet', async () => {
    const results = await runSuite(cli, server.url, MODERN);
    expect(failingScenarios(results).sort()).toEqual(Object.keys(NOT_YET).sort());
    const passed = [...results.keys()].filter((scenario) => !(scenario in NOT_YET));
    expect(passed).toEqual(
      expect.arrayContaining([
        'caching',
        'http-header-validation',
        'sep-2164-resource-not-found',
        'json-schema-2020-12',
        'http-custom-header-server-validation',
        'server-stateless',
        'tools-call-simple-text',
        'resources-read-text',
        'prompts-get-simple',
        'input-required-result-request-state',
        'input-required-result-tampered-state',
        'input-required-result-multi-round',
        'input-required-result-non-tool-request',
      ]),
    );
    console.log(
      `conformance 0.2.0-alpha.12, 2026-07-28: ${passed.length} of ${results.size} scenarios pass; not yet:\n${Object.entries(NOT_YET)
        .map(([scenario, why]) => `  ${scenario}: ${why}`)
        .join('\n')}`,
    );
  });
});

describeAppScenarios(
  'the 2026-07-28 scenarios that need no fixture against %s',
  NO_FIXTURE,
  (url) => runSuite(cli, url, MODERN),
  'Method not found',
);
