#!/usr/bin/env -S node --import tsx
// deploy.yml's last step per app and environment: the app's server.json to the environment's MCP registry, if it has one.
import { join } from 'node:path';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { publishServerJson } from './src/publish';

const usage = `
Usage: node --import tsx tools/deploy/publish-server.ts --app NAME --environment NAME [--registry URL]

Publishes apps/<app>/deploy/overlays/<environment>/server.json (written by npx nx g @mcp-fleet/nx-plugin:registry)
to an MCP registry through its API (POST /v0/publish), unless that name and version are there already. Without a
registry (no --registry, MCP_REGISTRY_URL empty) it publishes nothing and exits 0: publishing is off by default.

  --app NAME           the app
  --environment NAME   the environment whose server.json (and remote URL) to publish
  --registry URL       the registry's base URL, https (default: $MCP_REGISTRY_URL)

The token is $MCP_REGISTRY_TOKEN (deploy.yml hands both from the environment's secrets). Exit 1 when the
registry refuses the entry or cannot be reached.
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string' },
  environment: { type: 'string' },
  registry: { type: 'string' },
});
if (!values.app || !values.environment) {
  process.stderr.write(`--app and --environment are required\n${usage}`);
  process.exit(2);
}
const registry = values.registry ?? process.env.MCP_REGISTRY_URL ?? '';
if (registry === '') {
  process.stdout.write(`${values.app} ${values.environment}: no MCP registry configured (MCP_REGISTRY_URL); server.json not published\n`);
  process.exit(0);
}
const outcome = await publishServerJson({
  file: join(process.cwd(), 'apps', values.app, 'deploy', 'overlays', values.environment, 'server.json'),
  registry,
  token: process.env.MCP_REGISTRY_TOKEN,
});
if (outcome.status === 'failed') {
  process.stderr.write(`${values.app} ${values.environment}: server.json not published: ${outcome.problem}\n`);
  process.exit(1);
}
process.stdout.write(
  `${values.app} ${values.environment}: ${outcome.name} ${outcome.version} ${outcome.status === 'published' ? 'published' : 'is already in the registry; nothing to publish'}\n`,
);
