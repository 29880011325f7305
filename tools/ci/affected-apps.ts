#!/usr/bin/env tsx
// The deploy workflow's matrix: the apps a change affects, directly or through a lib they use.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readApp } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { affectedApps, byTarget, requestedApps } from './src/affected-apps';

const usage = `
Usage: tsx tools/ci/affected-apps.ts [--base REF] [--head REF] [--apps LIST] [--github-output]

Prints a JSON list of the apps (projects under apps/) that the changes between --base and --head affect:
changed themselves, or through a lib they depend on. A new folder under apps/ is listed with no pipeline edit;
a change to docs only lists nothing. Run it from the workspace root.

  --base REF        compare from this commit (default: $NX_BASE, as nrwl/nx-set-shas sets it in CI, else
                    nx.json's defaultBase)
  --head REF        compare up to this commit (default: $NX_HEAD, else the working tree, uncommitted included)
  --apps LIST       no comparison: exactly these apps, comma- or space-separated; each must exist
  --github-output   also write to $GITHUB_OUTPUT, for the deploy workflow's matrices: apps=<those on Kubernetes>
                    (all but mcpFleet.kubernetes false) and functions=<those with an mcpFleet.lambda entry>
`;
const { values } = cliOrExit(process.argv.slice(2), usage, {
  base: { type: 'string' },
  head: { type: 'string' },
  apps: { type: 'string' },
  'github-output': { type: 'boolean' },
});

const root = process.cwd();
const known = existsSync(join(root, 'apps'))
  ? readdirSync(join(root, 'apps'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, 'apps', entry.name, 'package.json')))
      .map((entry) => entry.name)
  : [];

function listAffected(): string[] {
  const nx = createRequire(join(root, 'package.json')).resolve('nx/bin/nx.js');
  const range = [...(values.base ? ['--base', values.base] : []), ...(values.head ? ['--head', values.head] : [])];
  const printed = execFileSync(process.execPath, [nx, 'show', 'projects', '--affected', '--projects', 'apps/*', '--json', ...range], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return affectedApps(printed, known);
}

let apps: string[];
try {
  apps = values.apps?.trim() ? requestedApps(values.apps, known) : listAffected();
} catch (error) {
  console.error(`affected-apps: ${(error as Error).message}`);
  process.exit(2);
}

const json = JSON.stringify(apps);
let shipping: ReturnType<typeof byTarget>;
try {
  shipping = byTarget(apps, (app) => readApp(root, app) ?? {});
} catch (error) {
  console.error(`affected-apps: ${(error as Error).message}`);
  process.exit(2);
}
const { kubernetes, functions } = shipping;
console.error(
  `affected-apps: ${apps.length === 0 ? 'no app to deploy' : `${apps.length} app(s): ${apps.join(', ')}; on Kubernetes: ${kubernetes.join(', ') || 'none'}; as functions: ${functions.join(', ') || 'none'}`}`,
);
console.log(json);
if (values['github-output']) {
  if (!process.env.GITHUB_OUTPUT) {
    console.error('affected-apps: --github-output needs $GITHUB_OUTPUT (set by GitHub Actions) to name a file');
    process.exit(2);
  }
  appendFileSync(process.env.GITHUB_OUTPUT, `apps=${JSON.stringify(kubernetes)}\nfunctions=${JSON.stringify(functions)}\n`);
}
