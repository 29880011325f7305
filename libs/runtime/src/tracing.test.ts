import { describe, expect, it } from 'vitest';
import { ConfigError } from './config';
import { startTracing, tracesEndpoint } from './tracing';

// Whether and where a service traces, from the standard OTEL_* variables (the spans themselves: libs/testing's
// otlp-receiver.test.ts, against a receiver).
describe('tracesEndpoint', () => {
  it('is off without an endpoint, or when the SDK or the traces exporter is switched off', async () => {
    expect(tracesEndpoint({})).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(await startTracing('off', {})).toBeUndefined();
  });

  it('takes the traces endpoint over the general one', () => {
    expect(tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('http://collector:4318');
    expect(
      tracesEndpoint({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://tempo:4318/v1/traces',
      }),
    ).toBe('https://tempo:4318/v1/traces');
  });

  it('refuses an endpoint that is no http(s) URL, naming the variable, the value and the form it takes', () => {
    for (const value of ['collector:4318', 'grpc://collector:4317', `http://${'a'.repeat(3000)}`]) {
      const check = () => tracesEndpoint({ OTEL_EXPORTER_OTLP_ENDPOINT: value });
      expect(check).toThrow(ConfigError);
      expect(check).toThrow(
        /OTEL_EXPORTER_OTLP_ENDPOINT is ".*": must be an http\(s\) URL of an OTLP\/HTTP endpoint, e\.g\. http:\/\/otel-collector:4318/,
      );
    }
  });
});
