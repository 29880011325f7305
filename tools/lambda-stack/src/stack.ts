import { EMF_METRICS, EMF_NAMESPACE } from '@mcp-fleet/runtime/metrics-contract';
import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type AlarmProps } from 'aws-cdk-lib/aws-cloudwatch';
import { LambdaApplication, LambdaDeploymentConfig, LambdaDeploymentGroup, TrafficRouting } from 'aws-cdk-lib/aws-codedeploy';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, Architecture, Code, Function as LambdaFunction, FunctionUrlAuthType, InvokeMode, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionSettings } from '@mcp-fleet/fleet-manifest';

export interface McpFunctionStackProps extends StackProps {
  app: string;
  /** staging or production: MCP_ENV of the function, and part of every name. */
  environment: string;
  settings: FunctionSettings;
  /** The zip build-lambda made (apps/<app>/dist/lambda.zip). */
  code: string;
}

/** Every retention CloudWatch Logs accepts, for the nearest one at or above a setting. */
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * One app as a Lambda function: its log group, the function (Node.js 24, arm64), a `live` alias that the Function
 * URL and the HTTP API call, and a CodeDeploy deployment group that shifts `live` to each new version as a canary
 * and rolls it back when the function's own metrics (the runtime's EMF lines) or Lambda's error count alarm.
 */
export class McpFunctionStack extends Stack {
  readonly alias: Alias;

  constructor(scope: Construct, id: string, props: McpFunctionStackProps) {
    super(scope, id, props);
    const { app, environment, settings } = props;
    const name = `${app}-${environment}`;

    const logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: RETENTIONS.find((days) => days >= settings.logRetentionDays) ?? 3653,
      removalPolicy: environment === 'production' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // Least privilege: the function writes its own log group and nothing else (not the managed policy's logs:* on *).
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: writes its logs only`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`],
      }),
    );

    const streaming = settings.endpoint !== 'http-api';
    const fn = new LambdaFunction(this, 'Function', {
      functionName: name,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      code: Code.fromAsset(props.code),
      // A Function URL streams answers (the 2025 era's event streams as they are written); an HTTP API buffers.
      handler: streaming ? 'app/index.streamingHandler' : 'app/index.handler',
      memorySize: settings.memoryMb,
      timeout: Duration.seconds(settings.timeoutSec),
      role,
      logGroup,
      environment: {
        MCP_ENV: environment,
        NODE_OPTIONS: '--enable-source-maps',
        ...settings.environment,
        // Resolved by CloudFormation at deploy time: the value is never in the repository or the template.
        ...Object.fromEntries(
          Object.entries(settings.secrets).map(([variable, secret]) => [variable, SecretValue.secretsManager(secret).unsafeUnwrap()]),
        ),
      },
      description: `${app} (${environment}), an MCP server of the fleet`,
    });
    this.alias = new Alias(this, 'Live', { aliasName: 'live', version: fn.currentVersion });

    if (settings.endpoint !== 'http-api') {
      // No IAM auth at the URL: the app checks bearer tokens itself (auth.secret or auth.jwksUrl), as over HTTP.
      const url = this.alias.addFunctionUrl({ authType: FunctionUrlAuthType.NONE, invokeMode: InvokeMode.RESPONSE_STREAM });
      new CfnOutput(this, 'McpUrl', { value: `${url.url}mcp`, description: 'The MCP endpoint (Function URL, streaming)' });
    }
    if (settings.endpoint !== 'function-url') {
      const api = new HttpApi(this, 'Api', { apiName: name, defaultIntegration: new HttpLambdaIntegration('Live', this.alias) });
      new CfnOutput(this, 'ApiMcpUrl', { value: `${api.apiEndpoint}/mcp`, description: 'The MCP endpoint (HTTP API, buffered)' });
    }

    const metric = (metricName: string, statistic: string) =>
      new Metric({ namespace: EMF_NAMESPACE, metricName, dimensionsMap: { Service: app }, statistic, period: Duration.minutes(1) });
    // Every rollback trigger fires above its threshold; no data (no traffic) is no reason to roll back.
    const above = (
      id: string,
      alarmName: string,
      alarmDescription: string,
      props: Pick<AlarmProps, 'metric' | 'threshold' | 'evaluationPeriods'>,
    ) =>
      new Alarm(this, id, {
        alarmName,
        alarmDescription,
        ...props,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const alarms = [
      above(
        'ServerErrorRatio',
        `${name} server errors`,
        `More than ${settings.maxErrorPercent}% of ${app}'s requests were the server's fault (runtime EMF: ServerErrors / Requests)`,
        {
          metric: new MathExpression({
            expression: 'IF(requests > 0, errors / requests, 0)',
            usingMetrics: { errors: metric(EMF_METRICS.serverErrors, 'Sum'), requests: metric(EMF_METRICS.requests, 'Sum') },
            period: Duration.minutes(1),
          }),
          threshold: settings.maxErrorPercent / 100,
          evaluationPeriods: 1,
        },
      ),
      above('LatencyP95', `${name} p95 latency`, `${app}'s p95 request latency is over ${settings.maxP95Ms} ms (runtime EMF: Latency)`, {
        metric: metric(EMF_METRICS.latency, 'p95'),
        threshold: settings.maxP95Ms,
        evaluationPeriods: 2,
      }),
      above(
        'InvocationErrors',
        `${name} invocation errors`,
        `The live alias of ${app} failed invocations (a crash, a timeout, an init that refused its config)`,
        {
          metric: this.alias.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
          threshold: 0,
          evaluationPeriods: 1,
        },
      ),
    ];

    new LambdaDeploymentGroup(this, 'Deployment', {
      application: new LambdaApplication(this, 'Application', { applicationName: name }),
      alias: this.alias,
      deploymentConfig: new LambdaDeploymentConfig(this, 'Canary', {
        trafficRouting: TrafficRouting.timeBasedCanary({
          interval: Duration.minutes(settings.canaryMinutes),
          percentage: settings.canaryPercent,
        }),
      }),
      alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
  }
}
