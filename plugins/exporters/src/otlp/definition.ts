import { ConfigError, defineSink } from '@vigia/core';
import { basicAuthOption, deliveryOptions, headersOption } from '../common.js';
import { showUrl } from '../transport/http.js';
import type { OtlpOptions } from './sink.js';

export const otlpSink = defineSink({
  // A monitoring export that fails is a counted warning of the run, not a failed run (exit 3).
  required: false,
  description: 'Sends the run to an OpenTelemetry endpoint over OTLP/HTTP (protobuf or JSON): metrics (detector gauges, run and dataset gauges, LLM metrics with their histograms; cumulative or delta) and each detector result as a gen_ai.evaluation.result event.',
  options: {
    type: 'object',
    properties: {
      endpoint: { type: 'string', minLength: 1, description: 'OTLP/HTTP base URL (e.g. `http://localhost:4318`); metrics go to `<endpoint>/v1/metrics`, events to `<endpoint>/v1/logs`.' },
      protocol: { enum: ['http/protobuf', 'http/json'], default: 'http/protobuf', description: 'OTLP encoding.' },
      headers: headersOption,
      basicAuth: basicAuthOption,
      temporality: { enum: ['cumulative', 'delta'], default: 'cumulative', description: "Aggregation temporality of counters and histograms (Datadog's OTLP intake wants `delta`)." },
      metrics: { type: 'boolean', default: true, description: 'Send metrics.' },
      events: { type: 'boolean', default: true, description: 'Send each detector result as a `gen_ai.evaluation.result` event (an OTLP log record).' },
      serviceName: { type: 'string', minLength: 1, default: 'vigia', description: 'The `service.name` resource attribute.' },
      resourceAttributes: { type: 'object', additionalProperties: { type: 'string' }, description: 'More resource attributes (e.g. `deployment.environment.name: prod`).' },
      timeoutMs: deliveryOptions.timeoutMs,
    },
    required: ['endpoint'],
    additionalProperties: false,
  },
  example: { endpoint: 'http://localhost:4318', protocol: 'http/protobuf', temporality: 'delta' },
  create: async (options) => {
    let ok: boolean;
    try {
      ok = ['http:', 'https:'].includes(new URL(options.endpoint).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('VIGIA_CONFIG_INVALID', `otlp sink: endpoint must be an http(s) URL such as http://localhost:4318, got "${showUrl(options.endpoint)}"`);
    // The OpenTelemetry SDK loads only when a config uses this sink.
    const { OtlpExporter } = await import('./sink.js');
    return new OtlpExporter(options as unknown as OtlpOptions);
  },
});
