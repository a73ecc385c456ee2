import { ConfigError, defineSink, type ComponentContext, type Report, type Sink } from '@vigia/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { basicAuthOption, deliveryOptions, headersOption } from '../common.js';
import { FailureLog } from '../transport/failures.js';
import { basicAuthHeader, showUrl } from '../transport/http.js';
import { evaluationEvent } from './events.js';
import { resourceMetricsOf, resourceOf, type Temporality } from './model.js';

export interface OtlpOptions {
  endpoint: string;
  protocol: 'http/protobuf' | 'http/json';
  headers?: Record<string, string>;
  basicAuth?: { username: string; password: string };
  temporality: Temporality;
  metrics: boolean;
  events: boolean;
  serviceName: string;
  resourceAttributes?: Record<string, string>;
  timeoutMs: number;
}

interface ExportResultLike { code: number; error?: Error }

/** Run one SDK export call (callback style) as a promise that rejects on failure. */
function exportOnce(fn: (done: (r: ExportResultLike) => void) => void, what: string, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fn((r) => (r.code === 0 ? resolve() : reject(new Error(`${showUrl(url)}: ${cleanError(r.error) || `${what} export failed`}`))));
  });
}

/** SDK errors may quote the request; keep the first line, without the URL's query. */
function cleanError(error: Error | undefined): string {
  if (!error) return '';
  const e = error as Error & { code?: number | string };
  const first = (e.message || String(error)).split('\n')[0]!.replace(/\?[^\s]*/g, '');
  return typeof e.code === 'number' ? `${first} (HTTP ${e.code})` : first;
}

/** Wraps the SDK's log exporter so failed batches are counted instead of only logged by the SDK. */
class CountingLogExporter implements LogRecordExporter {
  constructor(private readonly inner: LogRecordExporter, private readonly failures: FailureLog, private readonly url: string) {}

  export(logs: ReadableLogRecord[], done: (r: ExportResultLike) => void): void {
    void this.failures.attempt('events', () => exportOnce((cb) => this.inner.export(logs, cb), 'events', this.url)).then((ok) => done({ code: ok ? 0 : 1 }));
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The OTLP exporter: at the end of a run, the run's metrics as one OTLP metrics request and each
 * detector result as a `gen_ai.evaluation.result` event, over OTLP/HTTP in protobuf or JSON, with
 * the SDK's exporters (their own retry on 429/502/503/504 within `timeoutMs`).
 */
export class OtlpExporter implements Sink {
  readonly #o: OtlpOptions;
  readonly #failures: FailureLog;
  readonly #metricExporter?: PushMetricExporter;
  readonly #loggers?: LoggerProvider;
  readonly #metricsUrl: string;
  readonly #logsUrl: string;

  constructor(options: OtlpOptions, _ctx?: Pick<ComponentContext, 'logger'>) {
    this.#o = options;
    const headers = { ...(options.headers ?? {}), ...(options.basicAuth ? { Authorization: basicAuthHeader(options.basicAuth) } : {}) };
    this.#failures = new FailureLog('otlp sink', [options.endpoint, ...Object.values(headers), options.basicAuth?.password]);
    const base = options.endpoint.replace(/\/+$/, '');
    this.#metricsUrl = `${base}/v1/metrics`;
    this.#logsUrl = `${base}/v1/logs`;
    const common = { headers, timeoutMillis: options.timeoutMs };
    if (options.metrics) {
      const config = { ...common, url: this.#metricsUrl, temporalityPreference: options.temporality === 'delta' ? 1 : 0 };
      this.#metricExporter = options.protocol === 'http/json' ? new JsonMetricExporter(config) : new ProtoMetricExporter(config);
    }
    if (options.events) {
      const config = { ...common, url: this.#logsUrl };
      const inner = options.protocol === 'http/json' ? new JsonLogExporter(config) : new ProtoLogExporter(config);
      const exporter = new CountingLogExporter(inner, this.#failures, this.#logsUrl);
      this.#loggers = new LoggerProvider({
        resource: resourceOf(options),
        processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 512, maxQueueSize: 65536, scheduledDelayMillis: 3_600_000, exportTimeoutMillis: options.timeoutMs * 2 })],
      });
    }
  }

  /** The metrics request body the exporter sends for this report (exposed for tests and benches). */
  resourceMetrics(report: Report, endMs = Date.now()): ResourceMetrics {
    const startMs = Date.parse(report.startedAt);
    return resourceMetricsOf(report, {
      temporality: this.#o.temporality, serviceName: this.#o.serviceName, resourceAttributes: this.#o.resourceAttributes,
      startMs: Number.isFinite(startMs) ? startMs : endMs - report.durationMs, endMs,
    });
  }

  async report(report: Report): Promise<void> {
    const endMs = Date.now();
    if (this.#metricExporter) {
      const rm = this.resourceMetrics(report, endMs);
      const exporter = this.#metricExporter;
      await this.#failures.attempt('metrics', () => exportOnce((cb) => exporter.export(rm, cb), 'metrics', this.#metricsUrl));
    }
    if (this.#loggers) {
      const logger = this.#loggers.getLogger('@vigia/plugin-exporters', '0.1.0');
      for (const d of report.detectors ?? []) logger.emit({ ...evaluationEvent(d, report), timestamp: endMs });
      await this.#loggers.forceFlush({ timeoutMillis: this.#o.timeoutMs * 2 });
    }
    this.#failures.throwIfFailed();
  }

  async shutdown(): Promise<void> {
    await Promise.allSettled([this.#metricExporter?.shutdown(), this.#loggers?.shutdown()]);
  }
}

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
  create: (options) => {
    let ok: boolean;
    try {
      ok = ['http:', 'https:'].includes(new URL(options.endpoint).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('VIGIA_CONFIG_INVALID', `otlp sink: endpoint must be an http(s) URL such as http://localhost:4318, got "${showUrl(options.endpoint)}"`);
    return new OtlpExporter(options as unknown as OtlpOptions);
  },
});
