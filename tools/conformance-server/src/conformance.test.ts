// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, its 2025-era SDK client) against
// our runtime: every active server scenario against the fixture server, and the scenarios that need no fixture
// against every app of the fleet.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fleetApps } from '@mcp-fleet/nx-plugin/src/app-checks';
import { connectHttpClient, startServerProcess, workspaceRoot, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITY, failures, runSuite, type Check } from './suite';

const root = workspaceRoot();
const cli = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
const NO_FIXTURE = ['server-initialize', 'ping', 'tools-list', 'resources-list', 'prompts-list', 'dns-rebinding-protection'];

/** Runs the active suite against a URL. */
const conformance = (url: string) => runSuite(cli, url);

describe('the conformance suite against the fixture server (legacy sessions, as server-to-client requests need)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ app: join(root, 'tools', 'conformance-server', 'dist', 'main.js'), coverageDir: join(root, 'tools', 'conformance-server', 'coverage', 'e2e-raw') });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('passes every check of every active server scenario', async () => {
    const results = await conformance(server.url);
    expect(failures(results)).toEqual([]);
    expect([...results.keys()]).toEqual(expect.arrayContaining([...NO_FIXTURE, 'tools-call-sampling', 'tools-call-elicitation', 'resources-subscribe', 'completion-complete']));
    expect(results.size).toBe(30);
    console.log(`conformance: ${results.size} scenarios, ${[...results.values()].flat().length} checks passed`);
  });
});

describe.each(fleetApps(root))('the scenarios that need no fixture against %s (stateless, as it ships)', (app) => {
  let server: ServerProcess;
  let capabilities: Record<string, unknown>;
  // One run of the whole active suite (one CLI process, ~1.5 s of CPU, where one per scenario is ~1.2 s each);
  // only the scenarios that need no fixture are judged, since an app has none of the fixture tools.
  let results: Map<string, Check[]>;
  beforeAll(async () => {
    // As it ships to a laptop: on its embedded defaults, never on the test run's shared PostgreSQL database.
    server = await startServerProcess({ app, coverageDir: false, env: { DATABASE_URL: undefined } });
    const client = await connectHttpClient(server.url);
    capabilities = client.getServerCapabilities() ?? {};
    await client.close();
    results = await conformance(server.url);
  });
  afterAll(async () => {
    await server.stop();
  });

  it.each(NO_FIXTURE)('%s', (scenario) => {
    expect(results.has(scenario), `the suite ran ${[...results.keys()].join(', ')}`).toBe(true);
    const ran = new Map([[scenario, results.get(scenario)!]]);
    const needed = CAPABILITY[scenario];
    if (needed && !capabilities[needed]) expect(failures(ran)).toEqual([`${scenario}/${scenario}: Failed: MCP error -32601: Method not found`]);
    else expect(failures(ran)).toEqual([]);
  });
});
