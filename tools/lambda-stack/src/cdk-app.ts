#!/usr/bin/env tsx
// The CDK CLI's entry (cdk.json "app"): `npx cdk deploy -c app=<app> -c environment=<staging|production>`
// (-c workspace=<dir> reads another workspace's apps/).
import { App } from 'aws-cdk-lib';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { functionApp } from './index';

// Only to read the CLI's context: not synthesised (an App the CLI started would otherwise write an empty assembly at exit).
const context = new App({ autoSynth: false });
const app = context.node.tryGetContext('app') as string | undefined;
const environment = (context.node.tryGetContext('environment') as string | undefined) ?? 'staging';
if (!app) {
  process.stderr.write('lambda-stack: say which app: npx cdk <command> -c app=<app> [-c environment=staging|production]\n');
  process.exit(2);
}
try {
  const root = (context.node.tryGetContext('workspace') as string | undefined) ?? workspaceRoot();
  functionApp({ workspaceRoot: root, app, environment }).cdkApp.synth();
} catch (error) {
  process.stderr.write(`lambda-stack: ${(error as Error).message}\n`);
  process.exit(2);
}
