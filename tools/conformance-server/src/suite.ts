// Runs the official conformance suite's CLI against a URL, as a process on this Node, and reads each scenario's
// checks from the files it writes: one place for the 0.1.13 run (Node 20 and up) and the newest one (Node 22 and up).
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listApps, workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { connectHttpClient, startServerProcess, type ServerProcess } from '@mcp-fleet/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface Check {
  id: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  errorMessage?: string;
}

/** Each scenario's checks, by scenario name (without the `server-` prefix and the time stamp). */
export function runSuite(cli: string, url: string, extraArgs: string[] = []): Promise<Map<string, Check[]>> {
  const out = mkdtempSync(join(tmpdir(), 'conformance-'));
  const args = [cli, 'server', '--url', url, '--output-dir', out, ...extraArgs];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { encoding: 'utf8', timeout: 300_000 }, (error, stdout) => {
      try {
        const results = new Map(
          readdirSync(out).map((dir) => [
            dir.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T.*$/, ''),
            JSON.parse(readFileSync(join(out, dir, 'checks.json'), 'utf8')) as Check[],
          ]),
        );
        if (results.size === 0) reject(new Error(`the conformance CLI wrote no results${error ? ` (${error.message})` : ''}:\n${stdout}`));
        resolve(results);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }),
  );
}

/** Every failed check, as "scenario/check: message". */
export const failures = (results: Map<string, Check[]>) =>
  [...results].flatMap(([scenario, checks]) =>
    checks.filter((check) => check.status === 'FAILURE').map((check) => `${scenario}/${check.id}: ${check.errorMessage}`),
  );

/** The capability a list scenario needs; an app without it must answer the list method "Method not found". */
const CAPABILITY: Record<string, 'tools' | 'resources' | 'prompts'> = {
  'tools-list': 'tools',
  'resources-list': 'resources',
  'prompts-list': 'prompts',
};

/**
 * For every app of the fleet, as it ships (stateless, on its embedded defaults, never on the test run's shared
 * PostgreSQL): one run of the suite (`run`), judging only `scenarios`, which need no fixture of the suite's. A list
 * scenario of a capability the app does not have must fail with the suite's words for "Method not found".
 */
export function describeAppScenarios(
  title: string,
  scenarios: string[],
  run: (url: string) => Promise<Map<string, Check[]>>,
  methodNotFound: string,
): void {
  describe.each(listApps(workspaceRoot()))(title, (app) => {
    let server: ServerProcess;
    let capabilities: Record<string, unknown>;
    // One CLI run for all the scenarios: each run costs about as much CPU as all of them together.
    let results: Map<string, Check[]>;
    beforeAll(async () => {
      server = await startServerProcess({ app, coverageDir: false, env: { DATABASE_URL: undefined } });
      const client = await connectHttpClient(server.url);
      capabilities = client.getServerCapabilities() ?? {};
      await client.close();
      results = await run(server.url);
    });
    afterAll(async () => {
      await server.stop();
    });

    it.each(scenarios)('%s', (scenario) => {
      expect(results.has(scenario), `the suite ran ${[...results.keys()].join(', ')}`).toBe(true);
      const ran = new Map([[scenario, results.get(scenario)!]]);
      const needed = CAPABILITY[scenario];
      if (needed && !capabilities[needed]) expect(failures(ran)).toEqual([`${scenario}/${scenario}: Failed: ${methodNotFound}`]);
      else expect(failures(ran)).toEqual([]);
    });
  });
}
