import { describe, expect, it } from 'vitest';
import { createTestContext, runDetector } from '@vigia/testing';
import { createRandom } from '@vigia/stats';
import { ConfigError, validateOptions } from '@vigia/core';
import { anomalyDetector } from './index.js';
import { parseDuration } from '@vigia/core';
import { bucketize } from './aggregate.js';

const t0 = Date.UTC(2024, 0, 1, 12); // a multiple of 10 s, so buckets start at t0 + k·10 s
const second = 1000;

/** Poisson arrivals at `rate` per second for `seconds`, tripled during [burstFrom, burstFrom + burstLength). */
function traffic(seconds: number, rate: number, burstFrom = -1, burstLength = 10, seed = 7) {
  const rng = createRandom(seed);
  const out: { timestamp: string; output_tokens: number }[] = [];
  let t = 0;
  for (;;) {
    const inBurst = t >= burstFrom && t < burstFrom + burstLength;
    t += -Math.log(1 - rng.next()) / (inBurst ? 3 * rate : rate); // exponential gaps
    if (t >= seconds) break;
    out.push({ timestamp: new Date(t0 + t * second).toISOString(), output_tokens: 100 + rng.int(50) });
  }
  return out;
}

type BucketDetails = {
  buckets: number;
  records: number;
  aggregate: { everyMs: number; value: string };
  emptyBuckets: { filled: number; leftOut: number };
  trimmedEdges: { buckets: number; records: number };
  anomalies: { start: string; value: number; score: number; records: number }[];
  scores: { start: string; value: number; score: number | null }[];
  skipped: { count: number; reasons: Record<string, number> };
};

describe('parseDuration', () => {
  it('reads a number and a unit', () => {
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1m')).toBe(60_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('ten seconds')).toBeNaN();
    expect(parseDuration('0s')).toBeNaN();
    expect(parseDuration('0.5ms')).toBeNaN();
    expect(parseDuration('10')).toBeNaN();
  });
});

describe('bucketize', () => {
  const ts = Float64Array.from([0, 100, 900, 2500, 2600, 2700, 4100]);
  const vs = Float64Array.from([1, 2, 3, 10, 20, 30, 5]);
  it('counts and sums per epoch-aligned bucket, filling empty buckets with 0', () => {
    const c = bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'count', fillEmpty: true, trimEdges: false });
    expect(Array.from(c.starts)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(Array.from(c.values)).toEqual([3, 0, 3, 0, 1]);
    expect(c.emptyFilled).toBe(2);
    const s = bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'sum', fillEmpty: true, trimEdges: false });
    expect(Array.from(s.values)).toEqual([6, 0, 60, 0, 5]);
    expect(Array.from(s.records)).toEqual([3, 0, 3, 0, 1]);
  });
  it('leaves empty buckets out for mean/max/p95 and for fillEmpty: false', () => {
    const m = bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'mean', fillEmpty: true, trimEdges: false });
    expect(Array.from(m.starts)).toEqual([0, 2000, 4000]);
    expect(Array.from(m.values)).toEqual([2, 20, 5]);
    expect(m.emptyLeftOut).toBe(2);
    expect(Array.from(bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'max', fillEmpty: true, trimEdges: false }).values)).toEqual([3, 30, 5]);
    // type-7: h = 0.95·2 = 1.9 → 2 + 0.9·(3 − 2)
    expect(bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'p95', fillEmpty: true, trimEdges: false }).values[0]).toBeCloseTo(2.9, 12);
    const c = bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'count', fillEmpty: false, trimEdges: false });
    expect(Array.from(c.values)).toEqual([3, 3, 1]);
  });
  it('trims the partial first and last bucket', () => {
    const c = bucketize(ts, vs, ts.length, 1, { everyMs: 1000, value: 'count', fillEmpty: true, trimEdges: true });
    expect(Array.from(c.starts)).toEqual([1000, 2000, 3000]);
    expect(Array.from(c.values)).toEqual([0, 3, 0]);
    expect([c.trimmed, c.trimmedRecords]).toEqual([2, 4]);
    const one = bucketize(Float64Array.from([5, 6]), vs, 2, 1, { everyMs: 1000, value: 'count', fillEmpty: true, trimEdges: true });
    expect([one.count, one.trimmed, one.trimmedRecords]).toEqual([0, 1, 2]);
  });
  it('aligns buckets to the epoch, not to the first record', () => {
    const c = bucketize(Float64Array.from([1_700_000_004_000, 1_700_000_012_000]), new Float64Array(0), 2, 0, { everyMs: 10_000, value: 'count', fillEmpty: true, trimEdges: false });
    expect(Array.from(c.starts)).toEqual([1_700_000_000_000, 1_700_000_010_000]);
  });
});

describe('anomaly detector with aggregate', () => {
  it('finds a request-rate burst in the right 10 s bucket', async () => {
    const records = traffic(1800, 5, 1200); // 30 min at 5 req/s, 15 req/s during 20:00–20:10
    const r = await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '10s' }, emitScores: true, top: 3 }, { current: records });
    const d = r.details as BucketDetails;
    expect(d.buckets).toBe(178); // 180 minus the partial first and last
    expect(d.records + d.trimmedEdges.records).toBe(records.length);
    expect(d.aggregate).toMatchObject({ everyMs: 10_000, value: 'count' });
    expect(d.anomalies[0]!.start).toBe(new Date(t0 + 1200 * second).toISOString());
    expect(d.anomalies[0]!.value).toBe(d.anomalies[0]!.records);
    expect(d.anomalies[0]!.value).toBeGreaterThan(100);
    expect(r.status).toBe('fail');
    expect(d.scores).toHaveLength(178);
    expect(d.scores[0]).toMatchObject({ start: new Date(t0 + 10 * second).toISOString(), score: null }); // probation
    expect(d.scores[119]!.score).toBe(d.anomalies[0]!.score);
    expect(r.message).toMatch(/records per 10s/);
  });

  it('passes steady traffic against its reference, learning the reference buckets first', async () => {
    const reference = traffic(1800, 5, -1, 10, 1);
    const current = traffic(600, 5, -1, 10, 2);
    const r = await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '1m' }, method: 'robust-z', threshold: 0.95 }, { reference, current });
    const d = r.details as BucketDetails & { learnedFromReference: number; probation: number };
    expect(d.learnedFromReference).toBe(28);
    expect(d.probation).toBe(0);
    expect(d.buckets).toBe(8);
    expect(r.status).toBe('pass');
  });

  it('sums a field per bucket (count counts records, sum adds the field)', async () => {
    const rec = (s: number, tokens: number) => ({ timestamp: new Date(t0 + s * second).toISOString(), output_tokens: tokens });
    const records = [rec(1, 10), rec(2, 20), rec(11, 5), rec(31, 7), rec(32, 1), rec(33, 2)];
    const opts = { timestampField: 'timestamp', emitScores: true, probation: 0 };
    const keep = { edges: 'keep' };
    const count = await runDetector(anomalyDetector, { ...opts, aggregate: { every: '10s', value: 'count', ...keep } }, { current: records });
    const sum = await runDetector(anomalyDetector, { ...opts, field: 'output_tokens', aggregate: { every: '10s', value: 'sum', ...keep } }, { current: records });
    const values = (r: typeof count) => (r.details as BucketDetails).scores.map((s) => s.value);
    expect(values(count)).toEqual([2, 1, 0, 3]); // the empty bucket 20–30 s is 0
    expect(values(sum)).toEqual([30, 5, 0, 10]);
    expect((count.details as BucketDetails).emptyBuckets).toEqual({ filled: 1, leftOut: 0 });
    const unfilled = await runDetector(anomalyDetector, { ...opts, field: 'output_tokens', aggregate: { every: '10s', value: 'sum', fillEmpty: false, ...keep } }, { current: records });
    expect(values(unfilled)).toEqual([30, 5, 10]);
    const max = await runDetector(anomalyDetector, { ...opts, field: 'output_tokens', aggregate: { every: '10s', value: 'max', ...keep } }, { current: records });
    expect(values(max)).toEqual([20, 5, 7]);
    const trimmed = await runDetector(anomalyDetector, { ...opts, aggregate: { every: '10s' } }, { current: records });
    expect(values(trimmed)).toEqual([1, 0]);
    expect((trimmed.details as BucketDetails).trimmedEdges).toEqual({ buckets: 2, records: 5 });
  });

  it('counts records with bad timestamps under onInvalid: skip, and names them otherwise', async () => {
    const records: Record<string, unknown>[] = traffic(120, 2);
    records[3] = { output_tokens: 1 };
    records[4] = { timestamp: 'soon', output_tokens: 1 };
    // A run reports a data error as this detector's error result (the harness behaves the same).
    expect(await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '10s' } }, { current: records as never }))
      .toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*timestamp/) });
    const r = await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '10s' }, onInvalid: 'skip' }, { current: records as never });
    const d = r.details as BucketDetails;
    expect(d.skipped).toMatchObject({ count: 2, reasons: { 'unparseable timestamp': 2 } });
    expect(d.records + d.trimmedEdges.records).toBe(records.length - 2);
  });

  it('rejects a bad `every`, a missing timestampField, and a missing field for sum', async () => {
    // The factory throws ConfigError; a run (and the harness) reports it as the detector's error.
    const create = async (o: Record<string, unknown>) => anomalyDetector.create(validateOptions(anomalyDetector, o) as never, createTestContext());
    await expect(create({ timestampField: 'timestamp', aggregate: { every: 'ten seconds' } })).rejects.toThrow(ConfigError);
    await expect(create({ aggregate: { every: '10s' } })).rejects.toThrow(ConfigError);
    const run = async (o: Record<string, unknown>) => {
      const r = await runDetector(anomalyDetector, o, { current: [] });
      expect(r.status).toBe('error');
      return r.message;
    };
    expect(await run({ timestampField: 'timestamp', aggregate: { every: 'ten seconds' } })).toMatch(/aggregate\.every is "ten seconds", not a duration/);
    expect(await run({ aggregate: { every: '10s' } })).toMatch(/aggregate needs `timestampField`/);
    expect(await run({ timestampField: 'timestamp', aggregate: { every: '10s', value: 'sum' } })).toMatch(/aggregate\.value sum/);
  });

  it('reports a span of too many buckets as a data error', async () => {
    const records = [{ timestamp: '2020-01-01T00:00:00Z' }, { timestamp: '2024-01-01T00:00:00Z' }];
    expect(await runDetector(anomalyDetector, { timestampField: 'timestamp', aggregate: { every: '1s' } }, { current: records }))
      .toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*raise aggregate.every/) });
  });
});
