// The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, its 2025-era SDK client) against
// our runtime: every active server scenario against the fixture server, and the scenarios that need no fixture
// against every app of the fleet.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeAppScenarios, failures, runSuite } from './suite';

const root = workspaceRoot();
const cli = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
const NO_FIXTURE = ['server-initialize', 'ping', 'tools-list', 'resources-list', 'prompts-list', 'dns-rebinding-protection'];

/** Runs the active suite against a URL. */
const conformance = (url: string) => runSuite(cli, url);

describe('the conformance suite against the fixture server (legacy sessions, as server-to-client requests need)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({
      app: join(root, 'tools', 'conformance-server', 'dist', 'main.js'),
      coverageDir: join(root, 'tools', 'conformance-server', 'coverage', 'e2e-raw'),
    });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('passes every check of every active server scenario', async () => {
    const results = await conformance(server.url);
    expect(failures(results)).toEqual([]);
    expect([...results.keys()]).toEqual(
      expect.arrayContaining([
        ...NO_FIXTURE,
        'tools-call-sampling',
        'tools-call-elicitation',
        'resources-subscribe',
        'completion-complete',
      ]),
    );
    expect(results.size).toBe(30);
    console.log(`conformance: ${results.size} scenarios, ${[...results.values()].flat().length} checks passed`);
  });
});

describeAppScenarios(
  'the scenarios that need no fixture against %s (stateless, as it ships)',
  NO_FIXTURE,
  conformance,
  'MCP error -32601: Method not found',
);
