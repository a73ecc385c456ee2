import { createServer, type Server } from 'node:http';
import { ConfigError, defineSink, type ComponentContext, type Report, type Sink, type VigiaEvent } from '@vigia/core';
import { basicAuthOption, deliveryOptions, headersOption } from '../common.js';
import { FailureLog } from '../transport/failures.js';
import { basicAuthHeader, send, showUrl } from '../transport/http.js';
import { EXPOSITION_CONTENT_TYPE, exposition } from './exposition.js';
import { buildFamilies, snapshotOf, type RunSnapshot } from './model.js';
import { REMOTE_WRITE_HEADERS, remoteWriteBody } from './remote-write.js';

export interface PrometheusOptions {
  pushgateway?: string;
  remoteWrite?: string;
  listen?: string;
  job: string;
  headers?: Record<string, string>;
  basicAuth?: { username: string; password: string };
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

/** `HOST:PORT` (`[::1]:9464` for IPv6; port 0 picks a free one). */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ConfigError('VIGIA_CONFIG_INVALID', `prometheus sink: listen must be HOST:PORT (e.g. 127.0.0.1:9464 or 0.0.0.0:9464), got "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function checkUrl(name: string, value: string | undefined): void {
  if (value === undefined) return;
  let ok: boolean;
  try {
    ok = ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new ConfigError('VIGIA_CONFIG_INVALID', `prometheus sink: ${name} must be an http(s) URL (e.g. http://localhost:9091), got "${showUrl(value)}"`);
}

/**
 * The Prometheus exporter: keeps the run's families up to date from events, serves them on
 * `listen`, and at the end pushes them to the Pushgateway (PUT: replaces the config's group)
 * and/or remote-writes them. Transport failures are counted and surface once, from `report`.
 */
export class PrometheusExporter implements Sink {
  readonly #options: PrometheusOptions;
  readonly #ctx: Pick<ComponentContext, 'logger'>;
  readonly #failures: FailureLog;
  #run: RunSnapshot = { name: '', datasets: {}, detectors: [], metrics: [] };
  #server?: Server;
  address?: { host: string; port: number };

  constructor(options: PrometheusOptions, ctx: Pick<ComponentContext, 'logger'>) {
    this.#options = options;
    this.#ctx = ctx;
    const auth = options.basicAuth;
    this.#failures = new FailureLog('prometheus sink', [
      options.pushgateway, options.remoteWrite, ...Object.values(options.headers ?? {}),
      auth?.password, auth ? basicAuthHeader(auth) : undefined,
    ]);
  }

  /** Start the `/metrics` server when `listen` is set. */
  async start(): Promise<void> {
    if (!this.#options.listen) return;
    const { host, port } = parseListen(this.#options.listen);
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Vigia serves Prometheus metrics at /metrics\n');
        return;
      }
      this.exposition().then((text) => {
        res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE }).end(req.method === 'HEAD' ? undefined : text);
      }, (error: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`cannot render metrics: ${String(error)}\n`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`prometheus sink: cannot listen on ${this.#options.listen}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : error.message}`)));
      server.listen(port, host, () => resolve());
    });
    server.unref();
    const a = server.address();
    this.address = a && typeof a === 'object' ? { host: a.address, port: a.port } : { host, port };
    this.#server = server;
    this.#ctx.logger.info(`prometheus sink: serving /metrics on http://${host.includes(':') ? `[${host}]` : host}:${this.address.port}/metrics`);
  }

  onEvent(event: VigiaEvent): void {
    const run = this.#run;
    if (event.type === 'run:start') this.#run = { name: event.name, datasets: {}, detectors: [], metrics: [] };
    else if (event.type === 'dataset:loaded') run.datasets[event.name] = { records: event.records, skipped: event.skipped };
    else if (event.type === 'detector:end') run.detectors = [...run.detectors.filter((d) => d.id !== event.result.id), event.result];
    else if (event.type === 'metric:end') run.metrics = [...run.metrics, ...event.values];
  }

  families() {
    return buildFamilies(this.#run);
  }

  async exposition(): Promise<string> {
    return exposition(this.families().families);
  }

  #headers(extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { ...extra, ...(this.#options.headers ?? {}) };
    if (this.#options.basicAuth) h.Authorization = basicAuthHeader(this.#options.basicAuth);
    return h;
  }

  async report(report: Report): Promise<void> {
    this.#run = snapshotOf(report);
    const o = this.#options;
    const delivery = { timeoutMs: o.timeoutMs, retries: o.retries, backoffMs: o.backoffMs };
    const { dropped } = this.families();
    if (dropped.length) this.#ctx.logger.warn(`prometheus sink: left out ${dropped.length} metric value(s) whose name is taken by another type: ${dropped.slice(0, 3).join('; ')}`);
    if (o.pushgateway) {
      // PUT replaces every series of the group (job + config), so a detector removed from the
      // config disappears instead of keeping its last value forever.
      const url = `${o.pushgateway.replace(/\/+$/, '')}/metrics/job/${encodeURIComponent(o.job)}/config/${encodeURIComponent(report.name || 'vigia')}`;
      const body = await exposition(buildFamilies(this.#run, {}).families);
      await this.#failures.attempt('pushgateway', () => send(url, { ...delivery, method: 'PUT', body, headers: this.#headers({ 'Content-Type': EXPOSITION_CONTENT_TYPE }) }));
    }
    if (o.remoteWrite) {
      const body = remoteWriteBody(buildFamilies(this.#run, { job: o.job }).families, Date.now());
      await this.#failures.attempt('remoteWrite', () => send(o.remoteWrite!, { ...delivery, method: 'POST', body, headers: this.#headers({ ...REMOTE_WRITE_HEADERS }) }));
    }
    this.#failures.throwIfFailed();
  }

  async shutdown(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export const prometheusSink = defineSink({
  // A monitoring export that fails is a counted warning of the run, not a failed run (exit 3).
  required: false,
  description: 'Exports detector results, run and dataset gauges and LLM metrics (GenAI names as OpenTelemetry translates them, e.g. gen_ai_client_operation_duration_seconds) to Prometheus: push to a Pushgateway, remote write (Grafana Cloud, Mimir, Thanos, Last9), and/or serve /metrics.',
  options: {
    type: 'object',
    properties: {
      pushgateway: { type: 'string', minLength: 1, description: 'Pushgateway base URL (e.g. `http://localhost:9091`); the run is PUT to `/metrics/job/<job>/config/<name>`, replacing the previous run of the same config.' },
      remoteWrite: { type: 'string', minLength: 1, description: 'Remote-write endpoint (e.g. `http://localhost:9090/api/v1/write`, Grafana Cloud `…/api/prom/push`); samples carry `job` and `config` labels and the run\'s end time.' },
      listen: { type: 'string', minLength: 3, description: 'Serve `/metrics` on `HOST:PORT` while the process runs (long-running mode); `127.0.0.1:9464`.' },
      job: { type: 'string', minLength: 1, default: 'vigia', description: 'The `job` of pushed and remote-written series.' },
      headers: headersOption,
      basicAuth: basicAuthOption,
      ...deliveryOptions,
    },
    anyOf: [{ required: ['pushgateway'] }, { required: ['remoteWrite'] }, { required: ['listen'] }],
    additionalProperties: false,
  },
  example: { pushgateway: 'http://localhost:9091', job: 'vigia-ci' },
  create: async (options, ctx) => {
    const o = options as unknown as PrometheusOptions;
    checkUrl('pushgateway', o.pushgateway);
    checkUrl('remoteWrite', o.remoteWrite);
    const exporter = new PrometheusExporter(o, ctx);
    await exporter.start();
    return exporter;
  },
});
