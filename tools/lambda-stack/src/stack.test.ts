import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { functionApp } from './index';

// A workspace of its own: the real apps' package.json (their mcpFleet.lambda settings) and a stand-in zip, so
// that synthesis reads what it reads in CI without building the real bundle.
const root = new URL('../../..', import.meta.url).pathname;
const workspace = mkdtempSync(join(tmpdir(), 'lambda-stack-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));

function addApp(app: string, manifest?: object): void {
  const dir = join(workspace, 'apps', app);
  mkdirSync(join(dir, 'dist', 'lambda', 'app'), { recursive: true });
  if (manifest) writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  else cpSync(join(root, 'apps', app, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'dist', 'lambda', 'app', 'index.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
  execFileSync('zip', ['-q', '-X', join(dir, 'dist', 'lambda.zip'), 'app/index.mjs'], { cwd: join(dir, 'dist', 'lambda') });
}
addApp('text-tools');
addApp('documents');
addApp('via-api', {
  name: 'via-api',
  mcpFleet: { port: 3009, lambda: { endpoint: 'http-api', memoryMb: 512, canaryPercent: 20, canaryMinutes: 10 } },
});
addApp('no-function', { name: 'no-function', mcpFleet: { port: 3010 } });
addApp('too-slow', { name: 'too-slow', mcpFleet: { port: 3011, lambda: { endpoint: 'both', timeoutSec: 60 } } });

const template = (app: string, environment = 'staging') =>
  Template.fromStack(functionApp({ workspaceRoot: workspace, app, environment, validation: false }).stack);

describe('an app as a Lambda function (text-tools, the defaults)', () => {
  const stack = template('text-tools');

  it('runs the streaming handler on Node.js 24, arm64, with MCP_ENV set to the environment', () => {
    stack.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'text-tools-staging',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'app/index.streamingHandler',
      MemorySize: 1024,
      Timeout: 30,
      Environment: { Variables: { MCP_ENV: 'staging', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('serves its Function URL from the live alias, streaming, so that traffic shifting applies to it', () => {
    stack.hasResourceProperties('AWS::Lambda::Alias', { Name: 'live' });
    stack.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM', Qualifier: 'live' });
    stack.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
  });

  it('shifts live by a CodeDeploy canary (10% for 5 minutes) and rolls back on failure, stop or alarm', () => {
    stack.hasResource('AWS::Lambda::Alias', { UpdatePolicy: { CodeDeployLambdaAliasUpdate: Match.objectLike({}) } });
    stack.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      ComputePlatform: 'Lambda',
      TrafficRoutingConfig: { Type: 'TimeBasedCanary', TimeBasedCanary: { CanaryInterval: 5, CanaryPercentage: 10 } },
    });
    stack.hasResourceProperties('AWS::CodeDeploy::DeploymentGroup', {
      AlarmConfiguration: { Enabled: true, Alarms: Match.arrayWith([Match.objectLike({}), Match.objectLike({}), Match.objectLike({})]) },
      AutoRollbackConfiguration: {
        Enabled: true,
        Events: Match.arrayEquals(['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM']),
      },
    });
  });

  it("alarms on the runtime's own EMF metrics (server-error ratio, p95) and on Lambda's invocation errors", () => {
    stack.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    stack.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 0.01,
      ComparisonOperator: 'GreaterThanThreshold',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, errors / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: { Namespace: 'MCPFleet', MetricName: 'ServerErrors', Dimensions: [{ Name: 'Service', Value: 'text-tools' }] },
          }),
        }),
      ]),
    });
    stack.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'MCPFleet',
      MetricName: 'Latency',
      ExtendedStatistic: 'p95',
      Threshold: 1000,
    });
    stack.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 0 });
  });

  it("gives the function the least privilege: its own log group's streams and events, no managed policy, no wildcard", () => {
    stack.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/text-tools-staging', RetentionInDays: 30 });
    const roles = stack.findResources('AWS::IAM::Role', {
      Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] } },
    });
    expect(Object.values(roles)).toHaveLength(1);
    expect(Object.values(roles)[0]!.Properties.ManagedPolicyArns).toBeUndefined();
    const [roleId] = Object.keys(roles);
    const policies = Object.values(stack.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
    const statements = policies.flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    expect(statements.map((statement) => statement.Action)).toEqual([['logs:CreateLogStream', 'logs:PutLogEvents']]);
    expect(JSON.stringify(statements)).not.toMatch(/"\*"/);
  });
});

describe('the settings in mcpFleet.lambda', () => {
  it('read secrets by reference, resolved at deploy time: never a value in the template (documents)', () => {
    const variables = template('documents', 'production').findResources('AWS::Lambda::Function');
    const environment = Object.values(variables)[0]!.Properties.Environment.Variables as Record<string, string>;
    expect(environment.MCP_ENV).toBe('production');
    expect(environment.DATABASE_URL).toBe('{{resolve:secretsmanager:mcp-fleet/documents/database-url:SecretString:::}}');
    expect(environment.AUTH__SECRET).toBe('{{resolve:secretsmanager:mcp-fleet/documents/auth-secret:SecretString:::}}');
  });

  it("put an HTTP API (payload 2.0) on the live alias with the buffered handler, and take the canary's shape", () => {
    const stack = template('via-api');
    stack.hasResourceProperties('AWS::Lambda::Function', { Handler: 'app/index.handler', MemorySize: 512 });
    stack.resourceCountIs('AWS::Lambda::Url', 0);
    stack.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { Ref: Match.stringLikeRegexp('^Live') },
    });
    stack.hasResourceProperties('AWS::CodeDeploy::DeploymentConfig', {
      TrafficRoutingConfig: { TimeBasedCanary: { CanaryInterval: 10, CanaryPercentage: 20 } },
    });
  });

  it('are refused by key, value and fix, before anything is synthesised', () => {
    // Every message of the manifest is tested where it is parsed (libs/fleet-manifest); this is that they stop a synth.
    expect(() => functionApp({ workspaceRoot: workspace, app: 'too-slow', environment: 'staging' })).toThrow(
      'apps/too-slow/package.json mcpFleet.lambda.timeoutSec is 60: is more than an HTTP API waits (30 s); lower it, or use endpoint "function-url"',
    );
    expect(() => functionApp({ workspaceRoot: workspace, app: 'no-function', environment: 'staging' })).toThrow(
      'no-function does not ship as a function: apps/no-function/package.json has no mcpFleet.lambda entry ({} takes the defaults)',
    );
    expect(() => functionApp({ workspaceRoot: workspace, app: 'text-tools', environment: 'qa' })).toThrow(
      'environment "qa" is not one of staging, production',
    );
  });
});

describe('the synthesised template', () => {
  it("passes CDK's built-in CloudFormation validation (the one test that turns it on: 10-18 s the first time)", () => {
    const { cdkApp, stack } = functionApp({
      workspaceRoot: workspace,
      app: 'text-tools',
      environment: 'production',
      outdir: join(workspace, 'cdk.out'),
      validation: true,
    });
    const assembly = cdkApp.synth();
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(assembly.getStackByName(stack.stackName).template).toHaveProperty('Resources');
  });

  it('matches its committed snapshot (asset hashes aside): a change to the stack is a reviewed change to this file', async () => {
    const json = JSON.stringify(template('text-tools').toJSON(), null, 2)
      .replace(/[0-9a-f]{64}(\.zip)?/g, '<asset hash>$1')
      // The version's logical id carries a hash of the code, as the asset's name does.
      .replace(/(FunctionCurrentVersion[0-9A-F]{8})[0-9a-f]{32}/g, '$1<code hash>');
    await expect(`${json}\n`).toMatchFileSnapshot('../snapshots/text-tools.staging.template.json');
  });
});
