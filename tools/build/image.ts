#!/usr/bin/env -S node --import tsx
// nx run <app>:image — builds <registry>/<app>:<git sha> with Docker Buildx from the app's Dockerfile.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { cliOrExit } from '@mcp-fleet/cli-kit';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';

const usage = `
Usage: npx nx run <app>:image [-- --push] [options]
       npx mcp-fleet-image --app NAME [options]

Builds apps/NAME from the workspace root with docker buildx and deploy/Dockerfile (the one Dockerfile of every
app, --build-arg APP=NAME), and tags it <registry>/<app>:<tag>.
Needs a reachable Docker daemon: where there is none (this repository's dev machines), it says so and exits 1
rather than skipping silently; images are built in CI.

  --app NAME          the app (required)
  --registry REG      image registry and path (default: $MCP_FLEET_REGISTRY or registry.example.com/mcp-fleet)
  --tag TAG           default: the git commit (12 characters); never "latest"
  --push              push to the registry instead of loading into the local daemon
  --platform LIST     e.g. linux/amd64,linux/arm64 (needs --push for more than one)
  --npmrc FILE        npm's config for the build's npm ci (a private registry, a proxy's CA), given to BuildKit as
                      the secret "npmrc": it is read during the build and kept in no layer
  --dry-run           print the command and build nothing
`;

const { values } = cliOrExit(process.argv.slice(2), usage, {
  app: { type: 'string' },
  registry: { type: 'string' },
  tag: { type: 'string' },
  push: { type: 'boolean' },
  platform: { type: 'string' },
  npmrc: { type: 'string' },
  'dry-run': { type: 'boolean' },
});

const root = workspaceRoot();
const fail = (message: string, code = 2): never => {
  console.error(`image: ${message}`);
  process.exit(code);
};
if (!values.app) fail('give --app NAME');
// One Dockerfile builds every app (deploy/Dockerfile); the app is a build argument.
const dockerfile = join('deploy', 'Dockerfile');
if (!existsSync(join(root, 'apps', values.app!, 'package.json')))
  fail(`apps/${values.app}/package.json does not exist: --app names a folder of apps/`);
const tag = values.tag ?? (await $({ cwd: root, quiet: true, nothrow: true })`git rev-parse --short=12 HEAD`).stdout.trim();
if (!tag || tag === 'latest') fail('give --tag (not "latest"): this is not a git checkout, so there is no commit to tag with');
const registry = values.registry ?? process.env.MCP_FLEET_REGISTRY ?? 'registry.example.com/mcp-fleet';
const ref = `${registry.replace(/\/$/, '')}/${values.app}:${tag}`;
if (values.npmrc && !existsSync(values.npmrc)) fail(`--npmrc ${values.npmrc} does not exist`, 2);
const args = [
  'buildx',
  'build',
  '--file',
  dockerfile,
  '--build-arg',
  `APP=${values.app}`,
  '--tag',
  ref,
  ...(values.platform ? ['--platform', values.platform] : []),
  ...(values.npmrc ? ['--secret', `id=npmrc,src=${values.npmrc}`] : []),
  values.push ? '--push' : '--load',
  '.',
];

if (values['dry-run']) {
  console.log(`would run: docker ${args.join(' ')}`);
  process.exit(0);
}
const info = await $({ quiet: true, nothrow: true })`docker info --format {{.ServerVersion}}`;
if (info.exitCode !== 0) {
  const why = (info.stderr || info.stdout).trim().split('\n').at(-1) || 'docker is not installed';
  fail(`no Docker daemon is reachable (${why}). Build images where Docker runs — CI does — or start Docker; nothing was built.`, 1);
}
console.log(`image: building ${ref} …`);
const build = await $({ cwd: root, nothrow: true })`docker ${args}`;
if (build.exitCode !== 0) fail(`docker buildx build failed (exit ${build.exitCode})`, 1);
console.log(`image: ${ref}`);
