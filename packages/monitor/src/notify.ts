import { send as httpSend, showUrl, FailureLog, type SendOptions } from '@vigia/plugin-exporters';
import type { AlertRecord, HistoryStore, StoredAlert } from './store.js';

/**
 * Delivery of alert transitions to the config's `webhook` sinks (their url, format, headers,
 * time limit, retries and backoff), as a generic JSON body or a Slack-compatible message, with the
 * transition's key as `Idempotency-Key` (a receiver drops a duplicate).
 *
 * The store is the outbox: a transition is committed with its window before any delivery, marked
 * delivered when every target took it, and otherwise retried later (after the transport's own
 * retries, with a growing pause) and counted — never dropped. A watcher killed between commit and
 * delivery delivers it after the restart.
 */
export interface WebhookTarget {
  url: string;
  format: 'json' | 'slack';
  headers?: Record<string, string>;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

export type SendFn = (url: string, options: SendOptions) => Promise<unknown>;

const ICON: Record<string, string> = { critical: ':rotating_light:', warning: ':warning:', info: ':information_source:' };

function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function alertBody(config: string, alert: AlertRecord, format: 'json' | 'slack'): Record<string, unknown> {
  if (format === 'slack') {
    const icon = alert.state === 'resolved' ? ':white_check_mark:' : (ICON[alert.severity] ?? ':warning:');
    const headline = `${icon} Vigia *${mrkdwn(config)}* alert ${alert.state.toUpperCase()}: \`${mrkdwn(alert.rule)}\``;
    const window = alert.window.start ? `window ${alert.window.start} – ${alert.window.end}` : `window ${alert.window.index}`;
    return {
      text: `${headline.replace(/\*/g, '')}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: headline } },
        { type: 'section', text: { type: 'mrkdwn', text: mrkdwn(alert.message) } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`${alert.severity} · ${window} · ${alert.at}`) }] },
      ],
    };
  }
  return {
    type: `vigia.alert.${alert.state}`,
    idempotencyKey: alert.key,
    config,
    rule: alert.rule,
    state: alert.state,
    severity: alert.severity,
    when: alert.when,
    value: alert.value,
    window: alert.window,
    at: alert.at,
    message: alert.message,
  };
}

export interface DeliveryStats {
  /** Transitions delivered to every target. */
  delivered: number;
  /** Delivery attempts (of a transition, after the transport's retries) that failed. */
  failed: number;
  /** Transitions waiting for a later attempt. */
  pending: number;
}

export class AlertNotifier {
  readonly stats: DeliveryStats = { delivered: 0, failed: 0, pending: 0 };
  /** Key → earliest wall time (ms) of its next attempt. */
  readonly #nextAttempt = new Map<string, number>();
  readonly #failures: FailureLog;
  #running: Promise<void> | undefined;

  constructor(
    readonly run: string,
    readonly targets: readonly WebhookTarget[],
    readonly store: HistoryStore,
    readonly warn: (message: string) => void,
    readonly options: { send?: SendFn; now?: () => number; maxPauseMs?: number } = {},
  ) {
    this.#failures = new FailureLog('alert delivery', targets.flatMap((t) => [t.url, ...Object.values(t.headers ?? {})]));
  }

  /** Deliver every pending transition whose pause is over; one pass at a time. */
  deliverPending(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pass(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    const pending = await this.store.alerts(this.run, { pending: true });
    if (this.targets.length === 0) {
      // Nowhere to send: stored in the history only (vigia history shows them). Nothing is lost.
      for (const a of pending) await this.store.markDelivery(this.run, a.key, { delivered: true, error: 'no webhook sink configured; kept in the history' });
      this.stats.pending = 0;
      return;
    }
    for (const alert of pending) {
      if ((this.#nextAttempt.get(alert.key) ?? 0) > now) continue;
      await this.#deliver(alert);
    }
    this.stats.pending = (await this.store.alerts(this.run, { pending: true })).length;
  }

  async #deliver(alert: StoredAlert): Promise<void> {
    const send = this.options.send ?? httpSend;
    const problems: string[] = [];
    for (const t of this.targets) {
      const ok = await this.#failures.attempt(`${alert.rule} ${alert.state} to ${showUrl(t.url)}`, () => send(t.url, {
        method: 'POST', body: JSON.stringify(alertBody(this.run, alert, t.format)),
        timeoutMs: t.timeoutMs, retries: t.retries, backoffMs: t.backoffMs,
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'vigia', 'Idempotency-Key': alert.key, ...(t.headers ?? {}) },
      }));
      if (!ok) problems.push(showUrl(t.url));
    }
    if (problems.length === 0) {
      this.#nextAttempt.delete(alert.key);
      this.stats.delivered++;
      await this.store.markDelivery(this.run, alert.key, { delivered: true });
      return;
    }
    this.stats.failed++;
    const pause = Math.min(this.options.maxPauseMs ?? 300_000, Math.max(...this.targets.map((t) => t.backoffMs)) * 2 ** Math.min(alert.attempts + 1, 20));
    this.#nextAttempt.set(alert.key, (this.options.now ?? Date.now)() + pause);
    let message: string;
    try {
      this.#failures.throwIfFailed();
      message = 'alert delivery failed';
    } catch (error) {
      message = (error as Error).message;
    }
    await this.store.markDelivery(this.run, alert.key, { delivered: false, error: message });
    this.warn(`${message}; the ${alert.state} alert ${alert.rule} stays queued in the history store and is retried in ${Math.round(pause / 1000)} s (${this.stats.failed} failed attempt(s) so far)`);
  }
}
