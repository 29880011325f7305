export { ConfigError, loadConfig, runtimeConfigSchema, type Config, type LoadConfigOptions, type RuntimeConfig } from './config';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { isLoopbackHost } from './loopback';
export { createMetrics, type RuntimeMetrics } from './metrics';
export { DURATION_BUCKETS, OUTCOMES, type Outcome } from './metrics-contract';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness';
export {
  createTelemetry,
  isPrepareRun,
  serve,
  startService,
  StartupError,
  type RunningService,
  type ServeOptions,
  type ServiceDefinition,
  type Telemetry,
} from './serve';
export { AUDIENCE_META_KEY, notifierOf, type Notifier } from './notifications';
export { startTracing, tracesEndpoint, type Tracing } from './tracing';
