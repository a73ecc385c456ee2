import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { WindowReport } from '@vigia/core';
import { AlertEvaluator, AlertRuleError, compileRules } from './alerts.js';
import { AlertNotifier } from './notify.js';
import { HistoryStore } from './store.js';

function win(index: number, p95: number | undefined, status: WindowReport['status'] = 'pass'): WindowReport {
  return {
    window: { index, start: new Date(index * 60_000).toISOString(), end: new Date((index + 1) * 60_000).toISOString(), partial: false, records: 100 },
    status,
    datasets: { current: { records: 100, skipped: 0 } },
    detectors: [{ id: 'drift', use: 'feature-drift', status, statistic: 0.2, pValue: 0.01, threshold: 0.05, message: '', durationMs: 1 }],
    metrics: p95 === undefined ? [] : [
      { name: 'latency.p95', value: p95, unit: 's' },
      { name: 'tokens', value: p95 * 100, unit: '{token}', labels: { type: 'output' } },
    ],
  };
}

interface Received { headers: IncomingMessage['headers']; body: Record<string, unknown> }

async function receiver(failFirst: number): Promise<{ url: string; received: Received[]; attempts: () => number; server: Server }> {
  const received: Received[] = [];
  let attempts = 0;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += String(d)));
    req.on('end', () => {
      attempts++;
      if (attempts <= failFirst) {
        res.writeHead(503).end('down for maintenance');
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as { port: number };
  return { url: `http://127.0.0.1:${a.port}/hook`, received, attempts: () => attempts, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

describe('alert rules', () => {
  it('compile metric, label and detector conditions, and explain bad ones', () => {
    const rules = compileRules([
      { when: 'latency.p95 > 2', for: 3 },
      { id: 'out', when: 'tokens{type="output"} >= 500' },
      { when: 'drift.status == fail' },
      { when: 'status != pass', cooldown: '30m' },
    ], ['drift']);
    expect(rules.map((r) => r.target.kind)).toEqual(['metric', 'metric', 'detector', 'window-status']);
    expect(rules[1]!.target).toEqual({ kind: 'metric', name: 'tokens', labels: { type: 'output' } });
    expect(rules[3]!.cooldownMs).toBe(1_800_000);
    expect(() => compileRules([{ when: 'latency.p95 is high' }], [])).toThrow(/alerts\/0\/when .*not a condition/);
    expect(() => compileRules([{ when: 'drift.status == bad' }], ['drift'])).toThrow(AlertRuleError);
    expect(() => compileRules([{ when: 'nope.status == fail' }], ['drift'])).toThrow(/not a detector id of this config \(drift\)/);
    expect(() => compileRules([{ when: 'a > 1' }, { when: 'a > 1' }], [])).toThrow(/named "a > 1"/);
  });

  it('fire once after `for` windows, stay quiet while firing, resolve once, respect the cooldown', () => {
    const [rule] = compileRules([{ id: 'slow', when: 'latency.p95 > 2', for: 3, cooldown: '30m' }], []);
    const ev = new AlertEvaluator('cfg', [rule!]);
    const series = [1, 3, 3, 3, 3, 3, 1, 1];
    const transitions = series.flatMap((v, i) => ev.evaluate(win(i, v), i * 60_000).map((t) => [i, t.state, t.value]));
    expect(transitions).toEqual([[3, 'firing', 3], [6, 'resolved', 1]]);
    // Over again within the cooldown: no new firing until 30 min after the resolution.
    const again = [3, 3, 3, 3].flatMap((v, k) => ev.evaluate(win(8 + k, v), (8 + k) * 60_000).map((t) => t.state));
    expect(again).toEqual([]);
    expect(ev.evaluate(win(12, 3), 6 * 60_000 + 1_800_000).map((t) => t.state)).toEqual(['firing']);
    // State survives a snapshot (a restart does not re-fire).
    const restored = new AlertEvaluator('cfg', [rule!], JSON.parse(JSON.stringify(ev.snapshot())));
    expect(restored.evaluate(win(13, 3), 7_000_000)).toEqual([]);
    expect(restored.firing()).toEqual(['slow']);
  });

  it('a window without the metric does not count towards firing', () => {
    const [rule] = compileRules([{ when: 'latency.p95 > 2', for: 2 }], []);
    const ev = new AlertEvaluator('cfg', [rule!]);
    expect([win(0, 3), win(1, undefined), win(2, 3)].flatMap((w) => ev.evaluate(w, 0))).toEqual([]);
  });
});

describe('alert delivery', () => {
  it('a metric over the threshold for N windows and back: exactly one firing and one resolved delivery, a failing webhook retried and reported', async () => {
    const hook = await receiver(2); // the first two requests fail (503), then it works
    servers.push(hook.server);
    const slack = await receiver(0);
    servers.push(slack.server);
    let now = 0;
    const store = await HistoryStore.open(':memory:', { now: () => now });
    const warnings: string[] = [];
    const notifier = new AlertNotifier('cfg', [
      // One transport retry: the first transition's first attempt fails twice (both 503s), so it is
      // reported and queued; the next pass delivers it.
      { url: hook.url, format: 'json', timeoutMs: 2000, retries: 1, backoffMs: 10 },
      { url: slack.url, format: 'slack', timeoutMs: 2000, retries: 0, backoffMs: 10 },
    ], store, (m) => warnings.push(m), { now: () => now });
    const rules = compileRules([{ id: 'slow', when: 'latency.p95 > 2', for: 3, severity: 'critical' }], []);
    const ev = new AlertEvaluator('cfg', rules);
    const series = [1, 3, 3, 3, 3, 1, 1, 1];
    for (const [i, v] of series.entries()) {
      now = i * 60_000;
      const w = win(i, v);
      const alerts = ev.evaluate(w, now);
      await store.commit('cfg', { windows: [w], state: { alerts: ev.snapshot() }, alerts });
      await notifier.deliverPending();
    }
    // Generic JSON: firing then resolved, each once, keyed for de-duplication.
    expect(hook.received.map((r) => [r.body.type, r.body.rule, r.body.value])).toEqual([
      ['vigia.alert.firing', 'slow', 3],
      ['vigia.alert.resolved', 'slow', 1],
    ]);
    expect(hook.received[0]!.headers['idempotency-key']).toBe(hook.received[0]!.body.idempotencyKey);
    expect(hook.attempts()).toBe(4); // 2 failed + 2 delivered
    // The failure was reported (counted), not silent.
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/alert delivery: 1 of 2 exports? failed: slow firing to http:\/\/127\.0\.0\.1:\d+\/hook: http:\/\/127\.0\.0\.1:\d+\/hook: HTTP 503: down for maintenance \(after 2 attempts\)/);
    expect(warnings[0]).toMatch(/stays queued .* retried/);
    expect(notifier.stats).toMatchObject({ delivered: 2, failed: 1, pending: 0 });
    // Slack-compatible body; the slack target got the firing twice (the retry resends to every
    // target, with the same Idempotency-Key so a receiver drops the duplicate).
    expect(slack.received.map((r) => r.headers['idempotency-key'])).toEqual([hook.received[0]!.headers['idempotency-key'], hook.received[0]!.headers['idempotency-key'], hook.received[1]!.headers['idempotency-key']]);
    expect(String(slack.received[0]!.body.text)).toMatch(/alert FIRING: `slow`/);
    const stored = await store.alerts('cfg');
    expect(stored.map((a) => [a.state, a.delivered, a.attempts])).toEqual([['firing', true, 2], ['resolved', true, 1]]);
    await store.close();
  });

  it('keeps an undeliverable alert queued and counted, attempt after attempt', async () => {
    const hook = await receiver(1_000_000);
    servers.push(hook.server);
    let now = 0;
    const store = await HistoryStore.open(':memory:', { now: () => now });
    const warnings: string[] = [];
    const notifier = new AlertNotifier('cfg', [{ url: hook.url, format: 'json', timeoutMs: 2000, retries: 0, backoffMs: 1000 }], store, (m) => warnings.push(m), { now: () => now });
    const ev = new AlertEvaluator('cfg', compileRules([{ id: 'down', when: 'status == fail' }], []));
    await store.commit('cfg', { alerts: ev.evaluate(win(0, 1, 'fail'), 0) });
    await notifier.deliverPending();
    await notifier.deliverPending(); // within the pause: no attempt
    expect(hook.attempts()).toBe(1);
    now = 10 * 60_000;
    await notifier.deliverPending();
    expect(hook.attempts()).toBe(2);
    expect(notifier.stats).toMatchObject({ delivered: 0, failed: 2, pending: 1 });
    expect(warnings).toHaveLength(2);
    expect((await store.alerts('cfg', { pending: true }))[0]).toMatchObject({ rule: 'down', attempts: 2, delivered: false });
    await store.close();
  });
});
