import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';

/** The text of one of this workspace's environment components, for a generator's test tree to hold. */
export const fleetEnvironment = (environment: string): string =>
  readFileSync(join(workspaceRoot(), 'deploy', 'environments', environment, 'kustomization.yaml'), 'utf8');
