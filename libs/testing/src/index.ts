export { connectHttpClient, createTestClient, type ProtocolEra, type TestClient } from './test-client';
export {
  IMAGE_NODE_FLAGS,
  startServerProcess,
  type Exit,
  type LogLine,
  type ServerProcess,
  type ServerProcessOptions,
} from './server-process';
export { createTestMiddleware, type TestMiddleware } from './test-middleware';
export { LatencyHistogram, type LatencySummary } from './latency-histogram';
export {
  errorKind,
  loadTest,
  SEED_PROFILES,
  type LoadCall,
  type LoadProgress,
  type LoadTarget,
  type LoadTestOptions,
  type LoadTestResult,
} from './load-test';
export {
  createProcessSampler,
  readProcessUsage,
  rssSlopeMbPerMinute,
  rssTrend,
  type ProcessSample,
  type ProcessUsage,
  type SampleSource,
} from './process-sampler';
export { soakTest, type SoakTestOptions, type SoakTestResult } from './soak-test';
export { declaredSurface, runInspector, surfaceViaInspector, type InspectorOptions, type Surface } from './inspector';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { startPrometheus, type PrometheusAlert, type PrometheusOptions, type RunningPrometheus } from './prometheus';
export {
  startAlertmanager,
  startWebhookReceiver,
  type AlertmanagerAlert,
  type RunningAlertmanager,
  type WebhookNotification,
  type WebhookReceiver,
} from './alertmanager';
export { waitUntil } from './wait-until';
export { clientTraceContext, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver';
export {
  deploymentEnv,
  deploymentSecretEnv,
  dockerfileProblems,
  policyProblems,
  renderOverlay,
  schemaProblems,
  type Manifest,
} from './manifests';
export {
  fromLambdaResult,
  installStreamingRuntime,
  lambdaContext,
  lambdaFetch,
  lambdaStreamFetch,
  ResponseStreamCapture,
  toLambdaEvent,
  type EventKind,
} from './lambda';
export { heapAfterGc, hostileEvents, hostileRequests, sendHostile, type HostileRequest, type HostileRun } from './hostile-input';
export { startIngressProxy, type IngressProxy } from './ingress-proxy';
