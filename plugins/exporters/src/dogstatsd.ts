import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { defineSink, type DetectorReport, type MetricValue, type Report, type Sink } from '@vigia/core';
import { FailureLog } from './transport/failures.js';
import { STATUS_CODE } from './prometheus/model.js';

/**
 * DogStatsD over UDP: gauges (`|g`), counts (`|c`) and service checks (`_sc`) in the DogStatsD
 * datagram format, with tags, packed into datagrams of at most `maxPacketBytes`.
 */
export interface DogStatsdOptions {
  host: string;
  port: number;
  prefix: string;
  tags: string[];
  serviceChecks: boolean;
  maxPacketBytes: number;
  timeoutMs: number;
}

/** Metric names: ASCII letters, digits, `_` and `.`, starting with a letter. */
export function dogName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_.]+/g, '_').replace(/_+/g, '_');
  if (!/^[A-Za-z]/.test(out)) out = `m${out}`;
  return out.slice(0, 200);
}

/** A `key:value` tag; `,`, `|`, `#` and line breaks would break the datagram and become `_`. */
export function dogTag(key: string, value: string): string {
  const clean = (s: string) => s.replace(/[,|#\n\r]+/g, '_').trim();
  return `${clean(key).toLowerCase()}:${clean(value)}`.slice(0, 200);
}

function line(name: string, value: number, type: 'g' | 'c', tags: string[]): string {
  return `${name}:${Number.isInteger(value) ? value : Number(value.toPrecision(15))}|${type}${tags.length ? `|#${tags.join(',')}` : ''}`;
}

function metricLines(m: MetricValue, prefix: string, tags: string[]): string[] {
  const t = [...tags, ...Object.entries(m.labels ?? {}).map(([k, v]) => dogTag(k, String(v)))];
  const name = dogName(`${prefix}${m.name}`);
  if (m.kind === 'histogram' && m.histogram) {
    const h = m.histogram;
    const out = [line(`${name}.count`, h.count, 'g', t), line(`${name}.sum`, h.sum, 'g', t)];
    if (h.count > 0) out.push(line(`${name}.avg`, h.sum / h.count, 'g', t));
    if (h.max !== undefined) out.push(line(`${name}.max`, h.max, 'g', t));
    return out;
  }
  if (!Number.isFinite(m.value)) return [];
  return [line(name, m.value, m.kind === 'counter' ? 'c' : 'g', t)];
}

function serviceCheck(d: DetectorReport, prefix: string, tags: string[]): string {
  // Datadog service-check statuses: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
  const status = { pass: 0, warn: 1, fail: 2, error: 3 }[d.status];
  const message = d.message.replace(/\n/g, ' ').replace(/\|/g, '/').slice(0, 500);
  return `_sc|${dogName(`${prefix}detector`)}|${status}|#${tags.join(',')}|m:${message}`;
}

/** Every datagram line for a report. */
export function dogstatsdLines(report: Report, options: Pick<DogStatsdOptions, 'prefix' | 'tags' | 'serviceChecks'>): string[] {
  const base = [...options.tags, dogTag('config', report.name)];
  const p = options.prefix;
  const out: string[] = [];
  for (const d of report.detectors ?? []) {
    const t = [...base, dogTag('detector', d.id), dogTag('use', d.use)];
    out.push(line(dogName(`${p}detector.status`), STATUS_CODE[d.status] ?? 3, 'g', t));
    if (typeof d.statistic === 'number' && Number.isFinite(d.statistic)) out.push(line(dogName(`${p}detector.statistic`), d.statistic, 'g', t));
    const pv = d.pValueAdjusted ?? d.pValue;
    if (typeof pv === 'number') out.push(line(dogName(`${p}detector.p_value`), pv, 'g', t));
    if (typeof d.threshold === 'number') out.push(line(dogName(`${p}detector.threshold`), d.threshold, 'g', t));
    if (options.serviceChecks) out.push(serviceCheck(d, p, t));
  }
  out.push(line(dogName(`${p}run.status`), STATUS_CODE[report.status] ?? 3, 'g', base));
  out.push(line(dogName(`${p}run.duration`), report.durationMs / 1000, 'g', base));
  for (const [dataset, d] of Object.entries(report.datasets ?? {})) {
    const t = [...base, dogTag('dataset', dataset)];
    out.push(line(dogName(`${p}dataset.records`), d.records, 'g', t));
    out.push(line(dogName(`${p}dataset.skipped_records`), d.skipped, 'g', t));
  }
  for (const m of report.metrics ?? []) out.push(...metricLines(m, p, base));
  return out;
}

/** Pack lines into newline-separated datagrams no larger than `max` bytes. */
export function packDatagrams(lines: readonly string[], max: number): Buffer[] {
  const out: Buffer[] = [];
  let current: string[] = [];
  let size = 0;
  for (const l of lines) {
    const n = Buffer.byteLength(l) + (current.length ? 1 : 0);
    if (current.length && size + n > max) {
      out.push(Buffer.from(current.join('\n')));
      current = [];
      size = 0;
    }
    current.push(l);
    size += Buffer.byteLength(l) + (current.length > 1 ? 1 : 0);
  }
  if (current.length) out.push(Buffer.from(current.join('\n')));
  return out;
}

export class DogStatsdExporter implements Sink {
  readonly #o: DogStatsdOptions;
  readonly #failures = new FailureLog('dogstatsd sink');

  constructor(options: DogStatsdOptions) {
    this.#o = options;
  }

  async report(report: Report): Promise<void> {
    const o = this.#o;
    const datagrams = packDatagrams(dogstatsdLines(report, o), o.maxPacketBytes);
    const socket: Socket = createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
    socket.on('error', () => undefined);
    try {
      for (const [i, d] of datagrams.entries()) {
        await this.#failures.attempt(`datagram ${i + 1}/${datagrams.length} to ${o.host}:${o.port}`, () => new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`not sent within ${o.timeoutMs} ms`)), o.timeoutMs);
          socket.send(d, o.port, o.host, (error) => {
            clearTimeout(timer);
            if (error) reject(new Error((error as NodeJS.ErrnoException).code === 'ENOTFOUND' ? `host ${o.host} not found` : error.message));
            else resolve();
          });
        }));
      }
    } finally {
      socket.close();
    }
    this.#failures.throwIfFailed();
  }
}

export const dogstatsdSink = defineSink({
  // A monitoring export that fails is a counted warning of the run, not a failed run (exit 3).
  required: false,
  description: 'Sends detector results, run and dataset gauges and LLM metrics to a DogStatsD server (the Datadog Agent) over UDP, with tags, and a service check per detector.',
  options: {
    type: 'object',
    properties: {
      host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'DogStatsD host (the Datadog Agent; `DD_AGENT_HOST` in containers).' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 8125, description: 'DogStatsD UDP port.' },
      prefix: { type: 'string', default: 'vigia.', description: 'Prefix of every metric name (`vigia.detector.status`, `vigia.gen_ai.client.operation.duration.p95`).' },
      tags: { type: 'array', items: { type: 'string', pattern: '^[^,|#\\s]+$' }, default: [], description: 'Tags on every metric (`env:prod`, `service:chatbot`); `config`, `detector`, `use`, `dataset` and metric labels are added.' },
      serviceChecks: { type: 'boolean', default: true, description: 'Also send a `vigia.detector` service check per detector (OK, WARNING, CRITICAL for fail, UNKNOWN for error) with its message.' },
      maxPacketBytes: { type: 'integer', minimum: 512, maximum: 65000, default: 1432, description: 'Largest datagram; lines are packed up to it (1432 fits a 1500-byte MTU; raise for Unix sockets or localhost).' },
      timeoutMs: { type: 'integer', minimum: 100, maximum: 60000, default: 2000, description: 'Time limit of each send in milliseconds.' },
    },
    additionalProperties: false,
  },
  example: { host: '127.0.0.1', port: 8125, tags: ['env:ci'] },
  create: (options) => new DogStatsdExporter(options as unknown as DogStatsdOptions),
});
