#!/usr/bin/env -S node --import tsx
// npx nx run <app>:synth — the app's function as CloudFormation, offline, for each environment.
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { workspaceRoot } from '@mcp-fleet/fleet-manifest';
import { FUNCTION_ENVIRONMENTS, functionApp } from './index';

const usage = `
Usage: npx mcp-fleet-synth --app NAME [--environment staging|production] [--no-validation] [--workspace DIR]

Synthesises the app's Lambda stack (tools/lambda-stack: function, log group, live alias, Function URL and/or HTTP
API, CodeDeploy canary with alarm rollback) into apps/<app>/dist/cdk.out/<environment>/, offline: nothing is
sent to AWS. Needs apps/<app>/dist/lambda.zip (npx nx run <app>:build-lambda; the synth target builds it first).
Deploying is \`npx cdk deploy -c app=NAME -c environment=ENV\` in tools/lambda-stack, which deploy.yml runs.

  --app NAME          an app whose package.json has mcpFleet.lambda
  --environment ENV   one of ${FUNCTION_ENVIRONMENTS.join(', ')} (default: both)
  --no-validation     skip CDK's built-in CloudFormation validation (it takes 10-18 s the first time)
  --workspace DIR     the workspace whose apps/ to read (default: the one the current folder is in)
`;

let values: { app?: string; environment?: string; 'no-validation'?: boolean; workspace?: string; help?: boolean };
try {
  const options = {
    app: { type: 'string' },
    environment: { type: 'string' },
    'no-validation': { type: 'boolean' },
    workspace: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  ({ values } = parseArgs({ options, strict: true }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage.trim()}\n`);
  process.exit(0);
}
if (!values.app) {
  process.stderr.write(`synth: --app is required\n${usage}`);
  process.exit(2);
}

const root = values.workspace ? resolve(values.workspace) : workspaceRoot();
for (const environment of values.environment ? [values.environment] : FUNCTION_ENVIRONMENTS) {
  const started = performance.now();
  const outdir = join(root, 'apps', values.app, 'dist', 'cdk.out', environment);
  try {
    const { cdkApp, stack } = functionApp({
      workspaceRoot: root,
      app: values.app,
      environment,
      outdir,
      validation: !values['no-validation'],
    });
    const assembly = cdkApp.synth();
    const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type.replace(/^AWS::/, ''));
    const counts = [...new Set(types)]
      .sort()
      .map((type) => `${type}${types.filter((t) => t === type).length > 1 ? ` x${types.filter((t) => t === type).length}` : ''}`);
    const file = relative(process.cwd(), join(outdir, `${stack.stackName}.template.json`));
    process.stdout.write(`synth: ${stack.stackName} -> ${file} in ${Math.round(performance.now() - started)} ms: ${counts.join(', ')}\n`);
  } catch (error) {
    process.stderr.write(`synth: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
