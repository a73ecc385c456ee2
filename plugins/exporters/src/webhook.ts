import { createHash } from 'node:crypto';
import { ConfigError, defineSink, type DetectorReport, type Report, type Sink, type Status } from '@vigia/core';
import { deliveryOptions, headersOption } from './common.js';
import { FailureLog } from './transport/failures.js';
import { send, showUrl } from './transport/http.js';

/**
 * Webhooks: at the end of a run (or only when it failed or errored), one POST with a generic JSON
 * body or a Slack-compatible one, retried with backoff under the same `Idempotency-Key`, so a
 * receiver that saw a retried delivery can drop the duplicate.
 */
export type WebhookFormat = 'json' | 'slack';

export interface WebhookOptions {
  url: string;
  format: WebhookFormat;
  notifyOn: Status[];
  headers?: Record<string, string>;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

function key(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** Stable for one run (config, start time, seed), and per detector within it. */
export function runKey(report: Report): string {
  return key('vigia', report.name, report.startedAt, report.seed);
}

export function detectorKey(report: Report, d: DetectorReport): string {
  return key('vigia', report.name, report.startedAt, report.seed, d.id);
}

export function genericBody(report: Report): Record<string, unknown> {
  return {
    type: 'vigia.run.completed',
    idempotencyKey: runKey(report),
    config: report.name,
    status: report.status,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    seed: report.seed,
    datasets: report.datasets,
    counts: Object.fromEntries((['pass', 'warn', 'fail', 'error'] as const).map((s) => [s, report.detectors.filter((d) => d.status === s).length])),
    detectors: report.detectors.map((d) => ({
      id: d.id, use: d.use, status: d.status, statistic: d.statistic, pValue: d.pValue,
      ...(d.pValueAdjusted !== undefined ? { pValueAdjusted: d.pValueAdjusted } : {}),
      threshold: d.threshold, message: d.message, idempotencyKey: detectorKey(report, d),
    })),
    warnings: report.warnings ?? [],
  };
}

const ICON: Record<Status, string> = { pass: ':white_check_mark:', warn: ':warning:', fail: ':x:', error: ':boom:' };

/** Slack's mrkdwn needs only &, < and > escaped. */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack incoming-webhook body: `text` (notifications) plus blocks; problems first, capped. */
export function slackBody(report: Report): Record<string, unknown> {
  const counts = (['fail', 'error', 'warn', 'pass'] as const).map((s) => [s, report.detectors.filter((d) => d.status === s).length] as const).filter(([, n]) => n > 0);
  const headline = `${ICON[report.status]} Vigia *${mrkdwn(report.name)}*: ${report.status.toUpperCase()} (${counts.map(([s, n]) => `${n} ${s}`).join(', ') || 'no detectors'})`;
  const order: Record<Status, number> = { error: 0, fail: 1, warn: 2, pass: 3 };
  const shown = [...report.detectors].sort((a, b) => order[a.status] - order[b.status]);
  const lines = shown.slice(0, 20).map((d) => `${ICON[d.status]} \`${mrkdwn(d.id)}\` ${mrkdwn(d.message.length > 200 ? `${d.message.slice(0, 199)}…` : d.message)}`);
  if (shown.length > 20) lines.push(`… and ${shown.length - 20} more`);
  const blocks: Array<Record<string, unknown>> = [{ type: 'section', text: { type: 'mrkdwn', text: headline } }];
  // A section's text is limited to 3000 characters.
  let chunk = '';
  for (const line of lines) {
    if (chunk.length + line.length + 1 > 2900) {
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      chunk = '';
    }
    chunk += `${chunk ? '\n' : ''}${line}`;
  }
  if (chunk) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  if (report.warnings?.length) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`${report.warnings.length} warning(s): ${report.warnings[0]!.slice(0, 300)}`) }] });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `started ${report.startedAt} · ${(report.durationMs / 1000).toFixed(1)} s · seed ${report.seed}` }] });
  return { text: headline.replace(/\*/g, ''), blocks };
}

export class WebhookExporter implements Sink {
  readonly #o: WebhookOptions;
  readonly #failures: FailureLog;

  constructor(options: WebhookOptions) {
    this.#o = options;
    // Webhook URLs often are the secret (Slack's /services/T…/B…/token): errors show the origin only.
    let path: string | undefined;
    try {
      path = new URL(options.url).pathname;
    } catch {
      path = undefined;
    }
    this.#failures = new FailureLog('webhook sink', [options.url, path && path.length > 1 ? path : undefined, ...Object.values(options.headers ?? {})]);
  }

  /** The body sent for this report, or undefined when its status is not in `notifyOn`. */
  body(report: Report): Record<string, unknown> | undefined {
    if (!this.#o.notifyOn.includes(report.status)) return undefined;
    return this.#o.format === 'slack' ? slackBody(report) : genericBody(report);
  }

  async report(report: Report): Promise<void> {
    const body = this.body(report);
    if (!body) return;
    const o = this.#o;
    await this.#failures.attempt('delivery', () => send(o.url, {
      method: 'POST', body: JSON.stringify(body), timeoutMs: o.timeoutMs, retries: o.retries, backoffMs: o.backoffMs,
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'vigia', 'Idempotency-Key': runKey(report), ...(o.headers ?? {}) },
    }));
    this.#failures.throwIfFailed();
  }
}

export const webhookSink = defineSink({
  // A monitoring export that fails is a counted warning of the run, not a failed run (exit 3).
  required: false,
  description: 'POSTs the run outcome to a webhook at the end of a run (or only on chosen statuses): a generic JSON body with idempotency keys per run and detector, or a Slack-compatible message; retried with backoff, failures reported.',
  options: {
    type: 'object',
    properties: {
      url: { type: 'string', minLength: 1, description: 'Webhook URL (e.g. a Slack incoming webhook: `${env:SLACK_WEBHOOK_URL}`).' },
      format: { enum: ['json', 'slack'], default: 'json', description: '`json`: the generic body (status, counts, every detector with its idempotency key); `slack`: `text` + blocks for Slack (and compatible: Mattermost, Rocket.Chat).' },
      notifyOn: { type: 'array', items: { enum: ['pass', 'warn', 'fail', 'error'] }, minItems: 1, uniqueItems: true, default: ['pass', 'warn', 'fail', 'error'], description: 'Run statuses that send; `[fail, error]` notifies only when the gate failed or something broke.' },
      headers: headersOption,
      timeoutMs: deliveryOptions.timeoutMs,
      retries: { ...deliveryOptions.retries, default: 3 },
      backoffMs: deliveryOptions.backoffMs,
    },
    required: ['url'],
    additionalProperties: false,
  },
  example: { url: '${env:SLACK_WEBHOOK_URL}', format: 'slack', notifyOn: ['fail', 'error'] },
  create: (options) => {
    let ok: boolean;
    try {
      ok = ['http:', 'https:'].includes(new URL(options.url).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new ConfigError('VIGIA_CONFIG_INVALID', `webhook sink: url must be an http(s) URL, got "${showUrl(options.url)}"`);
    return new WebhookExporter(options as unknown as WebhookOptions);
  },
});
