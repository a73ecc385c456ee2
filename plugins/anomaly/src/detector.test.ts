import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { createRandom } from '@vigia/stats';
import { parseTimestamp } from '@vigia/core';
import plugin, { anomalyDetector } from './index.js';

const t0 = Date.UTC(2024, 0, 1);
const minute = 60_000;
/** A noisy series with one spike at `spikeAt`; every 50th record lacks the field. */
function series(n: number, spikeAt: number, seed = 1) {
  const rng = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const ts = new Date(t0 + i * minute).toISOString();
    if (i % 50 === 49) return { timestamp: ts };
    return { timestamp: ts, latency_ms: i === spikeAt ? 500 : 100 + 5 * rng.normal() };
  });
}

describe('anomaly detector', () => {
  it('is registered in the plugin', () => {
    expect(plugin.detectors.anomaly).toBe(anomalyDetector);
  });

  it('emits per-record scores in input order (null when not scored) and lists the top anomalies', async () => {
    const records = series(400, 300);
    const r = await runDetector(anomalyDetector, { field: 'latency_ms', timestampField: 'timestamp', emitScores: true, top: 3 }, { current: records });
    const d = r.details as Record<string, unknown> & { scores: (number | null)[]; anomalies: { index: number; score: number; value: number; timestamp: string }[] };
    expect(d.scores).toHaveLength(400);
    expect(d.scores[49]).toBeNull(); // field missing
    expect(d.scores[0]).toBeNull(); // probation (15% of the 392 points with the field)
    expect(d.probation).toBe(Math.floor(0.15 * 392));
    for (const s of d.scores) if (s !== null) expect(s >= 0 && s <= 1).toBe(true);
    expect(d.anomalies).toHaveLength(3);
    expect(d.anomalies[0]!.index).toBe(300);
    expect(d.anomalies[0]!.value).toBe(500);
    expect(d.anomalies[0]!.timestamp).toBe(records[300]!.timestamp);
    expect(d.anomalies[0]!.score).toBeGreaterThanOrEqual(d.anomalies[1]!.score);
    expect(r.status).toBe('fail');
    expect(r.statistic).toBe(d.anomalies[0]!.score);
    expect(r.threshold).toBe(0.9);
    expect(d.missing).toBe(8);
  });

  it('passes a series without anomalies under a high threshold, and learns from the reference first', async () => {
    const reference = series(300, -1, 2);
    const current = series(200, -1, 3);
    const r = await runDetector(anomalyDetector, { field: 'latency_ms', method: 'robust-z', threshold: 0.95, emitScores: true }, { reference, current });
    expect(r.status).toBe('pass');
    const d = r.details as { probation: number; learnedFromReference: number; scores: (number | null)[] };
    expect(d.probation).toBe(0); // a reference replaces probation by default
    expect(d.learnedFromReference).toBe(294);
    expect(d.scores[0]).not.toBeNull();
  });

  it('names dataset, record and field on bad timestamps, or skips and counts them', async () => {
    const records = series(100, -1);
    records[10] = { timestamp: 'yesterday', latency_ms: 5 } as never;
    expect(await runDetector(anomalyDetector, { field: 'latency_ms', timestampField: 'timestamp' }, { current: records })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*record 11: timestamp field "timestamp" is "yesterday"/) });
    const r = await runDetector(anomalyDetector, { field: 'latency_ms', timestampField: 'timestamp', onInvalid: 'skip' }, { current: records });
    expect((r.details as { skipped: { count: number; reasons: Record<string, number> } }).skipped).toMatchObject({ count: 1, reasons: { 'unparseable timestamp': 1 } });
  });

  it('rejects non-numeric values unless skipping', async () => {
    const records = series(100, -1);
    records[5] = { timestamp: records[5]!.timestamp, latency_ms: 'fast' } as never;
    expect(await runDetector(anomalyDetector, { field: 'latency_ms' }, { current: records })).toMatchObject({ status: 'error', message: expect.stringMatching(/record 6: field "latency_ms" is "fast"/) });
    const r = await runDetector(anomalyDetector, { field: 'latency_ms', onInvalid: 'skip' }, { current: records });
    expect((r.details as { skipped: { reasons: Record<string, number> } }).skipped.reasons).toEqual({ 'non-numeric value': 1 });
  });

  it('fails on out-of-order timestamps unless sort: true', async () => {
    const records = series(100, -1);
    [records[20], records[21]] = [records[21]!, records[20]!];
    expect(await runDetector(anomalyDetector, { field: 'latency_ms', timestampField: 'timestamp' }, { current: records })).toMatchObject({ status: 'error', message: expect.stringMatching(/record 22.*earlier than record 21.*sort: true/) });
    const r = await runDetector(anomalyDetector, { field: 'latency_ms', timestampField: 'timestamp', sort: true, emitScores: true }, { current: records });
    expect((r.details as { reordered: number }).reordered).toBe(1);
  });

  it('needs exactly one of field and fields', async () => {
    expect(await runDetector(anomalyDetector, {}, { current: [] })).toMatchObject({ status: 'error', message: expect.stringMatching(/exactly one of `field`/) });
  });

  it('scores multivariate points with an isolation forest trained on the reference', async () => {
    const rng = createRandom(9);
    const point = () => ({ a: rng.normal(), b: rng.normal() });
    const reference = Array.from({ length: 500 }, point);
    const current = [...Array.from({ length: 50 }, point), { a: 6, b: -6 }];
    const r = await runDetector(anomalyDetector, { fields: ['a', 'b'], method: 'isolation-forest', threshold: 0.7 }, { reference, current });
    const d = r.details as { anomalies: { index: number; value: Record<string, number> }[] };
    expect(d.anomalies[0]!.index).toBe(50);
    expect(d.anomalies[0]!.value).toEqual({ a: 6, b: -6 });
    expect(r.status).toBe('fail');
  });

  it('parses ISO, NAB-style and epoch-ms timestamps', () => {
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseTimestamp('2023-11-16 18:17:03.9799600')).toBe(Date.UTC(2023, 10, 16, 18, 17, 3, 979));
    expect(parseTimestamp('2024-01-01T00:00:00+01:00')).toBe(Date.UTC(2023, 11, 31, 23));
    expect(parseTimestamp(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTimestamp('not a date')).toBeNaN();
  });
});
