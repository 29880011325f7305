export { ConfigError, loadConfig, runtimeConfigSchema, type Config, type LoadConfigOptions, type RuntimeConfig } from './config';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { isLoopbackHost } from './loopback';
export { OUTCOMES, type Outcome } from './json-rpc';
export { createMetrics, DURATION_BUCKETS, type RuntimeMetrics } from './metrics';
export { Readiness, type ReadinessCheck, type ReadinessReport } from './readiness';
export { createTelemetry, isPrepareRun, serve, startService, StartupError, type RunningService, type ServeOptions, type ServiceDefinition, type Telemetry } from './serve';
