import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesContextV2, type CreateNodesV2, type ProjectConfiguration } from '@nx/devkit';
import { appTargets, TARGET_KINDS, type McpFleetPluginOptions } from './targets';

/** An app's package.json is what marks it: a folder of apps/ whose package.json has an mcpFleet entry. */
export const APP_MARKER = 'apps/*/package.json';

/**
 * Infers the name, tag and targets of every MCP service under apps/, so an app's package.json holds only its
 * name, dependencies and mcpFleet settings. No result cache: reading one small JSON file is what a cache lookup
 * would cost anyway.
 */
export const createNodesV2: CreateNodesV2<McpFleetPluginOptions> = [
  APP_MARKER,
  (files, options, context) => createNodesFromFiles((file, opts, ctx) => appNode(file, opts ?? {}, ctx), files, options, context),
];

function appNode(file: string, options: McpFleetPluginOptions, context: CreateNodesContextV2) {
  const manifest = JSON.parse(readFileSync(join(context.workspaceRoot, file), 'utf8')) as { mcpFleet?: unknown };
  const root = dirname(file);
  if (!manifest.mcpFleet || !existsSync(join(context.workspaceRoot, root, 'src', 'main.ts'))) return {};
  const app = basename(root);
  const targets = appTargets(app);
  const named = Object.fromEntries(TARGET_KINDS.map((kind) => [options.targetNames?.[kind] ?? kind, targets[kind]]));
  const project: ProjectConfiguration = { root, name: app, projectType: 'application', tags: ['type:app'], targets: named };
  return { projects: { [root]: project } };
}
