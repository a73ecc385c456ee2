import { describe, expect, it } from 'vitest';
import { metricsText, parseSince } from './status.js';
import type { WatchStats } from './watcher.js';

describe('status', () => {
  it('parses --since as a time or a duration back from now, and explains anything else', () => {
    const now = Date.UTC(2026, 10, 28, 12);
    expect(parseSince('2h', now)).toBe(now - 7_200_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('2026-11-28T10:00:00Z', now)).toBe(Date.UTC(2026, 10, 28, 10));
    expect(() => parseSince('last week', now)).toThrow(/neither a time .* nor a duration back from now/);
  });

  it('renders the watcher counters and the last window as Prometheus text', async () => {
    const stats: WatchStats = {
      startedAt: 0, records: 1234, recordsThisProcess: 1000, skipped: 2, windows: 3, partialWindows: 1, maxExportDelayMs: 250, exportDelayMs: 120,
      commits: 3, commitErrors: 0, alertsFiring: ['slow'], running: true, lastCommitAt: 1_700_000_000_000,
      lastWindow: {
        window: { index: 2, start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:01:00.000Z', partial: false, records: 10 },
        status: 'warn', datasets: { current: { records: 10, skipped: 0 } },
        detectors: [{ id: 'drift', use: 'feature-drift', status: 'warn', statistic: 0.3, pValue: 0.01, threshold: 0.05, message: '', durationMs: 1 }],
        metrics: [{ name: 'gen_ai.client.operation.duration.p95', value: 2.5, unit: 's', labels: { dataset: 'current' } }],
      },
    };
    const text = await metricsText('cfg', stats, { vigia_watch_alert_delivery_failures_total: { value: 4, help: 'failures', type: 'counter' } });
    expect(text).toContain('vigia_watch_up{config="cfg"} 1');
    expect(text).toContain('vigia_watch_records_total{config="cfg"} 1234');
    expect(text).toContain('vigia_watch_export_delay_seconds{config="cfg"} 0.12');
    expect(text).toContain('vigia_watch_alerts_firing{config="cfg",rule="slow"} 1');
    expect(text).toContain('vigia_watch_alert_delivery_failures_total{config="cfg"} 4');
    expect(text).toContain('vigia_watch_last_window_end_timestamp_seconds{config="cfg"} 1767225660');
    expect(text).toMatch(/vigia_detector_status\{[^}]*detector="drift"[^}]*\} 1/);
    expect(text).toMatch(/gen_ai_client_operation_duration_p95_seconds\{[^}]*\} 2\.5/);
  });
});
