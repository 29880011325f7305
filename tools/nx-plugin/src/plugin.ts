import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesContextV2, type CreateNodesV2, type ProjectConfiguration } from '@nx/devkit';
import { parseMcpFleet } from '@mcp-fleet/fleet-manifest';
import { appTargets, packageTargets, TARGET_KINDS, type McpFleetPluginOptions } from './targets';

/**
 * A project's package.json is what marks it: a folder of apps/ whose package.json has an mcpFleet entry is an
 * MCP service; a folder of libs/ or tools/ whose package.json has an nx entry is a library or a tool.
 */
export const MARKER = '{apps,libs,tools}/*/package.json';

/**
 * Infers the name, tag and targets of every MCP service under apps/, so an app's package.json holds only its
 * name, dependencies and mcpFleet settings, and the checks (lint, typecheck, test) of every library and tool.
 * No result cache: reading one small JSON file is what a cache lookup would cost anyway.
 */
export const createNodesV2: CreateNodesV2<McpFleetPluginOptions> = [
  MARKER,
  (files, options, context) =>
    createNodesFromFiles(
      (file, opts, ctx) => (file.startsWith('apps/') ? appNode(file, opts ?? {}, ctx) : packageNode(file, ctx)),
      files,
      options,
      context,
    ),
];

interface Manifest {
  mcpFleet?: unknown;
  nx?: unknown;
  scripts?: Record<string, string>;
}
const readManifest = (file: string, context: CreateNodesContextV2) =>
  JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8')) as Manifest;

function packageNode(file: string, context: CreateNodesContextV2) {
  const manifest = readManifest(file, context);
  if (!manifest.nx) return {};
  // Name and tags stay the package.json's own (its nx entry); the plugin adds only the targets.
  return { projects: { [dirname(file)]: { root: dirname(file), targets: packageTargets(manifest.scripts) } } };
}

function appNode(file: string, options: McpFleetPluginOptions, context: CreateNodesContextV2) {
  const manifest = readManifest(file, context);
  const root = dirname(file);
  if (manifest.mcpFleet === undefined || !existsSync(join(context.workspaceRoot, root, 'src', 'main.ts'))) return {};
  const app = basename(root);
  // A bad entry stops every nx command with its problems named: a target inferred from a guess would be worse.
  const { fleet, problems } = parseMcpFleet(app, manifest.mcpFleet);
  if (!fleet) throw new Error(problems.join('\n'));
  const targets = appTargets(app, { kubernetes: fleet.kubernetes, lambda: fleet.lambda !== undefined });
  const named = Object.fromEntries(
    TARGET_KINDS.flatMap((kind) => (targets[kind] ? [[options.targetNames?.[kind] ?? kind, targets[kind]]] : [])),
  );
  const project: ProjectConfiguration = { root, name: app, projectType: 'application', tags: ['type:app'], targets: named };
  return { projects: { [root]: project } };
}
