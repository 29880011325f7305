#!/usr/bin/env -S node --import tsx
// The image smoke test CI runs on every pull request: start the app's image as production starts it, wait until
// it is healthy and ready, and have it answer MCP as itself. The same checks run against a plain process.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { renderOverlay } from '@mcp-fleet/testing';
import { $ } from 'zx';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { containerEnv, mcpChecks, smokeSummaryHeader, smokeSummaryRow } from './src/smoke';

const usage = `
Usage: npx mcp-fleet-smoke env --app NAME [--port 8080] [--database-url URL] --output FILE
       npx mcp-fleet-smoke check --app NAME --url URL [--container NAME] [--timeout 120] [--summary FILE]

env     Writes FILE for \`docker run --env-file\`: PORT, and every variable the app's production Deployment takes
        from a Secret (DATABASE_URL from --database-url, which it then requires; anything else a throwaway value).
check   Waits for the container's HEALTHCHECK to say healthy (with --container) and for /readyz to answer 200,
        then sends initialize and tools/list as a 2025-era client: the app must answer as itself, with tools.
        With --container, the image's size goes into the summary. Exit 1 on any failure, saying which.

  --app NAME          a folder of apps/ (required)
  --url URL           the app's MCP endpoint, e.g. http://127.0.0.1:8080/mcp
  --container NAME    the Docker container serving it
  --timeout SECONDS   the most to wait for healthy and ready (default 120): a ceiling, not a delay
  --summary FILE      append a Markdown row (with a header when FILE is empty or new), e.g. $GITHUB_STEP_SUMMARY
  --port N            the port the container listens on (default 8080)
  --database-url URL  the PostgreSQL the app's DATABASE_URL names
  --output FILE     where env writes
`;

const { values, positionals } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string' },
  url: { type: 'string' },
  container: { type: 'string' },
  timeout: { type: 'string', default: '120' },
  summary: { type: 'string' },
  port: { type: 'string', default: '8080' },
  'database-url': { type: 'string' },
  output: { type: 'string' },
});
const fail = (message: string, code = 1): never => {
  console.error(`smoke: ${message}`);
  process.exit(code);
};
const command = positionals[0];
if (command !== 'env' && command !== 'check') fail(`say env or check, got ${JSON.stringify(command ?? '')}; see --help`, 2);
// The workspace the command runs in (a bin: its file may belong to another checkout's node_modules).
const root = workspaceRoot();
const app = values.app ?? fail('give --app NAME', 2);
if (!existsSync(join(root, 'apps', app, 'package.json'))) fail(`apps/${app}/package.json does not exist: --app names a folder of apps/`, 2);

if (command === 'env') {
  const file = values.output ?? fail('give --output FILE', 2);
  try {
    const lines = containerEnv(app, renderOverlay(join(root, 'apps', app), 'production'), {
      port: Number(values.port),
      databaseUrl: values['database-url'],
    });
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    console.log(`smoke: ${file}: ${lines.map((line) => line.split('=')[0]).join(', ')}`);
  } catch (error) {
    fail((error as Error).message, 2);
  }
  process.exit(0);
}

const url = values.url ?? fail('give --url http://127.0.0.1:<port>/mcp', 2);
const timeoutMs = Number(values.timeout) * 1000;
if (!(timeoutMs > 0)) fail(`--timeout must be a number of seconds, got ${values.timeout}`, 2);
const started = performance.now();
const deadline = Date.now() + timeoutMs;
const waitFor = async (what: string, probe: () => Promise<boolean>) => {
  while (!(await probe())) {
    if (Date.now() > deadline) fail(`${app}: not ${what} within ${values.timeout} s${await containerLogs()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};
const containerLogs = async () =>
  values.container
    ? `; its last log lines:\n${(await $({ nothrow: true, quiet: true })`docker logs --tail 30 ${values.container}`).stdout}`
    : '';

if (values.container) {
  await waitFor('healthy (the image HEALTHCHECK)', async () => {
    const status = (
      await $({
        nothrow: true,
        quiet: true,
      })`docker inspect --format {{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}} ${values.container}`
    ).stdout.trim();
    if (status.startsWith('exited') || status.endsWith('/unhealthy'))
      fail(`${app}: container ${values.container} is ${status}${await containerLogs()}`);
    return status === 'running/healthy';
  });
}
await waitFor('ready (/readyz 200)', async () => (await fetch(new URL('/readyz', url)).catch(() => undefined))?.status === 200);
const readySeconds = (performance.now() - started) / 1000;
const answers = await mcpChecks(url, app).catch((error: Error) => fail(`${app}: ${error.message}`));
let imageBytes: number | undefined;
if (values.container) {
  const image = (await $({ quiet: true })`docker inspect --format {{.Image}} ${values.container}`).stdout.trim();
  imageBytes = Number((await $({ quiet: true })`docker image inspect --format {{.Size}} ${image}`).stdout.trim());
}
console.log(
  `smoke: ${app} ready in ${readySeconds.toFixed(1)} s; initialize: ${answers.server} ${answers.version}; tools/list: ${answers.tools.join(', ')}${imageBytes ? `; image ${(imageBytes / 1_000_000).toFixed(1)} MB` : ''}`,
);
if (values.summary) {
  const fresh = !existsSync(values.summary) || !readFileSync(values.summary, 'utf8').includes(smokeSummaryHeader[0]!);
  appendFileSync(
    values.summary,
    `${[...(fresh ? smokeSummaryHeader : []), smokeSummaryRow(app, answers, readySeconds, imageBytes)].join('\n')}\n`,
  );
}
