import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { readApp } from '@mcp-fleet/fleet-manifest';
import { McpFunctionStack } from './stack';

export { McpFunctionStack, type McpFunctionStackProps } from './stack';

/** The environments a function is deployed to, in order (deploy.yml's order too). */
export const FUNCTION_ENVIRONMENTS = ['staging', 'production'] as const;

export interface FunctionAppOptions {
  workspaceRoot: string;
  app: string;
  environment: string;
  /** Where the cloud assembly goes (cdk.out); the CDK CLI sets CDK_OUTDIR instead. */
  outdir?: string;
  /** CDK's built-in CloudFormation validation on synth (default on; 10–18 s the first time). */
  validation?: boolean;
}

/** The CDK app of one app's function in one environment: the stack `mcp-<app>-<environment>`; refuses bad settings by name. */
export function functionApp(options: FunctionAppOptions): { cdkApp: App; stack: McpFunctionStack } {
  const { workspaceRoot, app, environment } = options;
  const settings = readApp(workspaceRoot, app)?.lambda;
  if (settings === undefined)
    throw new Error(`${app} does not ship as a function: apps/${app}/package.json has no mcpFleet.lambda entry ({} takes the defaults)`);
  if (!FUNCTION_ENVIRONMENTS.includes(environment as (typeof FUNCTION_ENVIRONMENTS)[number])) {
    throw new Error(`environment "${environment}" is not one of ${FUNCTION_ENVIRONMENTS.join(', ')}`);
  }
  const code = join(workspaceRoot, 'apps', app, 'dist', 'lambda.zip');
  if (!existsSync(code)) throw new Error(`${code} does not exist; build it first: npx nx run ${app}:build-lambda`);
  const cdkApp = new App({ outdir: options.outdir, builtinCloudFormationValidation: options.validation ?? true });
  const stack = new McpFunctionStack(cdkApp, `mcp-${app}-${environment}`, {
    app,
    environment,
    settings,
    code,
    description: `${app} as a Lambda function (${environment}), from mcp-fleet`,
  });
  return { cdkApp, stack };
}
