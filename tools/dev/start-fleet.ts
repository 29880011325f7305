#!/usr/bin/env tsx
// npm start: builds the fleet's services and runs them together on their embedded defaults (config/base.yaml
// ports, MCP_ENV=development), prints where each one listens, and stops them all on Ctrl-C.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { startServerProcess, type LogLine, type ServerProcess } from '@mcp-fleet/testing';
import { $ } from 'zx';
import { cliOrExit } from '@mcp-fleet/cli-kit';

const usage = `
Usage: npm start [-- --app NAME ...] [--logs]

Builds and starts every app under apps/ (or only those named with --app), each on the port its
config/base.yaml sets, with MCP_ENV=development unless MCP_ENV is set. Prints each MCP endpoint, then
runs until Ctrl-C (SIGINT) or SIGTERM, which drains and stops every service.

  --app NAME   start only this app (repeatable)
  --logs       also print each service's JSON log lines, prefixed with its name
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string', multiple: true },
  logs: { type: 'boolean' },
});
const root = workspaceRoot();
const known = readdirSync(join(root, 'apps'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const apps = values.app ?? known;
const unknown = apps.filter((app) => !known.includes(app));
if (unknown.length > 0) {
  console.error(`start: no app named ${unknown.join(', ')}; the apps are: ${known.join(', ')}`);
  process.exit(2);
}

console.log(`start: building ${apps.join(', ')} …`);
$.cwd = root;
$.verbose = false;
await $`npx nx run-many -t build --projects=${apps.join(',')} --output-style=static`;

const mcpEnv = process.env.MCP_ENV ?? 'development';
const running: { app: string; server: ServerProcess }[] = [];
const print = (app: string) => (line: LogLine) => {
  if (values.logs) console.log(`${app.padEnd(12)} ${JSON.stringify(line)}`);
};
try {
  for (const app of apps) {
    running.push({
      app,
      server: await startServerProcess({ app, env: { PORT: undefined, HOST: undefined, MCP_ENV: mcpEnv }, onLine: print(app) }),
    });
  }
} catch (error) {
  console.error(`start: ${(error as Error).message}`);
  await Promise.all(running.map(({ server }) => server.stop()));
  process.exit(1);
}

console.log(`\nThe fleet is up (MCP_ENV=${mcpEnv}); Ctrl-C stops it.\n`);
for (const { app, server } of running) {
  console.log(`  ${app.padEnd(14)} ${server.url}   probes: ${server.baseUrl}/healthz /readyz /metrics`);
}
console.log('');

let stopping = false;
const stopAll = async (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  console.log(`\nstart: ${signal}, draining ${running.length} service(s) …`);
  const exits = await Promise.all(running.map(({ server }) => server.stop('SIGTERM')));
  process.exit(exits.every((exit) => exit.code === 0) ? 0 : 1);
};
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));

// A service that dies on its own takes the fleet down with a clear message rather than leaving half of it up.
for (const { app, server } of running) {
  void server.exited.then(async (exit) => {
    if (stopping) return;
    console.error(`start: ${app} exited (code ${exit.code}, signal ${exit.signal}); stopping the rest.\n${server.stderr()}`);
    stopping = true;
    await Promise.all(running.filter((r) => r.app !== app).map(({ server: other }) => other.stop()));
    process.exit(1);
  });
}
