import { describe, expect, it } from 'vitest';
import { validateOptions, type DetectorOutcome, type RecordBatch, type StatefulDetector, type VigiaRecord, type WindowInfo } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { createTestContext, makeDataset } from '@vigia/testing';
import { anomalyDetector } from './detector.js';

const T0 = Date.parse('2024-06-01T00:00:00Z');
/** A latency series every `stepMs`, daily seasonal, with a few spikes and an incident. */
function series(n: number, seed: number, { stepMs = 60_000, start = T0, incident = false } = {}): VigiaRecord[] {
  const rng = createRandom(seed);
  return Array.from({ length: n }, (_, i) => {
    const t = start + i * stepMs;
    const daily = 50 * Math.sin((2 * Math.PI * (t % 86_400_000)) / 86_400_000);
    const spike = i % 997 === 500 ? 900 : 0;
    const shift = incident && i > n * 0.6 && i < n * 0.7 ? 300 : 0;
    return {
      timestamp: new Date(t).toISOString(),
      latency_ms: i % 211 === 5 ? null : 400 + daily + 30 * rng.normal() + spike + shift,
      tokens: Math.round(100 + 20 * rng.normal()),
      noise: 'x',
    };
  });
}

const window = (index: number): WindowInfo => ({ index, start: null, end: null, partial: false, records: 0 });
const origin = (name: string) => `memory:${name}`;

async function create(options: Record<string, unknown>) {
  const ctx = createTestContext({ id: 'anomaly' });
  const detector = (await anomalyDetector.create(validateOptions(anomalyDetector, options) as never, ctx)) as unknown as StatefulDetector;
  return { detector, ctx };
}

function feed(detector: StatefulDetector, ctx: ReturnType<typeof createTestContext>, role: 'reference' | 'current', records: VigiaRecord[], size: number) {
  for (let i = 0; i < records.length; i += size) {
    // core passes the dataset's origin where it knows it; messages then name it as the batch path does
    void detector.update({ dataset: role, role, records: records.slice(i, i + size), origin: origin(role) } as RecordBatch, ctx);
  }
}

const outcome = async (f: () => DetectorOutcome | Promise<DetectorOutcome>) => {
  try {
    return await f();
  } catch (error) {
    return { error: (error as Error).message };
  }
};

async function batch(options: Record<string, unknown>, reference: VigiaRecord[] | undefined, current: VigiaRecord[]) {
  const { detector, ctx } = await create(options);
  const cur = makeDataset('current', current);
  const ref = reference ? makeDataset('reference', reference) : undefined;
  return outcome(() => (detector.evaluate as (i: unknown, c: unknown) => DetectorOutcome)({ current: cur, ...(ref ? { reference: ref } : {}), datasets: new Map() }, ctx));
}

async function streamed(options: Record<string, unknown>, reference: VigiaRecord[] | undefined, current: VigiaRecord[], size = 333) {
  const { detector, ctx } = await create(options);
  if (reference) feed(detector, ctx, 'reference', reference, 500);
  feed(detector, ctx, 'current', current, size);
  return outcome(() => detector.evaluate({ window: window(0) }, ctx));
}

const ref = series(3000, 1);
const cur = series(4000, 2, { start: T0 + 3000 * 60_000, incident: true });
const long = series(9000, 3, { incident: true });
const shuffled = (() => {
  const out = cur.slice(0, 1500);
  for (let i = 0; i + 7 < out.length; i += 50) [out[i], out[i + 7]] = [out[i + 7]!, out[i]!];
  return out;
})();

const cases: Array<[string, Record<string, unknown>, VigiaRecord[] | undefined, VigiaRecord[]]> = [
  ['auto with a reference (level channel): scored as it arrives', { field: 'latency_ms', timestampField: 'timestamp' }, ref, cur],
  ['auto with a reference, emitScores, low threshold (many events)', { field: 'latency_ms', timestampField: 'timestamp', emitScores: true, threshold: 0.5, top: 25, eventGap: 3 }, ref, cur],
  ['no reference, fewer than 5,000 points (probation known at the end)', { field: 'latency_ms', timestampField: 'timestamp' }, undefined, cur],
  ['no reference, 9,000 points (probation 750 known at 5,000)', { field: 'latency_ms' }, undefined, long],
  ['explicit probation share', { field: 'latency_ms', probation: 0.2 }, ref, cur],
  ['robust-z, two fields, no timestamps', { fields: ['latency_ms', 'tokens'], method: 'robust-z', window: 200 }, ref, cur],
  ['seasonal', { field: 'latency_ms', timestampField: 'timestamp', method: 'seasonal' }, ref, cur],
  ['isolation-forest', { fields: ['latency_ms', 'tokens'], method: 'isolation-forest' }, ref, cur],
  ['isolation-forest without enough learning points', { field: 'latency_ms', method: 'isolation-forest', probation: 0.001 }, undefined, cur.slice(0, 200)],
  ['aggregate count per 10m', { timestampField: 'timestamp', aggregate: { every: '10m' } }, ref, cur],
  ['aggregate p95 per 30m, emitScores', { field: 'latency_ms', timestampField: 'timestamp', aggregate: { every: '30m', value: 'p95' }, emitScores: true }, ref, cur],
  ['sort: true on out-of-order records', { field: 'latency_ms', timestampField: 'timestamp', sort: true }, ref, shuffled],
  ['out of order without sort: an error', { field: 'latency_ms', timestampField: 'timestamp' }, ref, shuffled],
  ['a non-number: an error', { field: 'latency_ms' }, ref, [...cur.slice(0, 100), { latency_ms: 'slow' }, ...cur.slice(100, 200)]],
  ['non-numbers skipped', { field: 'latency_ms', onInvalid: 'skip' }, ref, cur.map((r, i) => (i % 13 === 0 ? { ...r, latency_ms: 'n/a' } : r))],
  ['field absent everywhere', { field: 'latency' }, ref, cur.slice(0, 50)],
  ['a bad reference', { field: 'latency_ms', timestampField: 'timestamp' }, [...ref.slice(0, 100), { latency_ms: 1, timestamp: 'yesterday' }], cur.slice(0, 300)],
  ['empty current', { field: 'latency_ms' }, ref, []],
];

describe('anomaly streamed = batch', () => {
  for (const [name, options, reference, current] of cases) {
    it(name, async () => {
      const expected = await batch(options, reference, current);
      if (current.length === 0) {
        // no batch arrives for an empty dataset, so its origin is unknown: the message names it without
        (expected as { error: string }).error = (expected as { error: string }).error.replace(' (memory:current)', '');
      }
      expect(await streamed(options, reference, current)).toEqual(expected);
    });
  }
});

describe('anomaly across windows', () => {
  for (const [name, options, reference] of [
    ['auto, reference', { field: 'latency_ms', timestampField: 'timestamp', emitScores: true }, ref],
    ['auto, no reference', { field: 'latency_ms', timestampField: 'timestamp' }, undefined],
    ['seasonal', { field: 'latency_ms', timestampField: 'timestamp', method: 'seasonal' }, ref],
    ['isolation-forest', { fields: ['latency_ms', 'tokens'], method: 'isolation-forest' }, ref],
    ['aggregate', { field: 'latency_ms', timestampField: 'timestamp', aggregate: { every: '10m', value: 'mean' } }, ref],
  ] as const) {
    it(`${name}: the scorer keeps learning across windows, and a snapshot mid-window continues exactly`, async () => {
      const windows = [long.slice(0, 6000), long.slice(6000, 7500), long.slice(7500)];
      const a = await create(options);
      if (reference) feed(a.detector, a.ctx, 'reference', [...reference], 700);
      const results: unknown[] = [];
      const restoredResults: unknown[] = [];
      for (const [k, records] of windows.entries()) {
        const half = Math.floor(records.length / 3);
        feed(a.detector, a.ctx, 'current', records.slice(0, half), 400);
        const b = await create(options);
        b.detector.restore!(JSON.parse(JSON.stringify(a.detector.snapshot!())));
        feed(a.detector, a.ctx, 'current', records.slice(half), 400);
        feed(b.detector, b.ctx, 'current', records.slice(half), 400);
        results.push(await outcome(() => a.detector.evaluate({ window: window(k) }, a.ctx)));
        restoredResults.push(await outcome(() => b.detector.evaluate({ window: window(k) }, b.ctx)));
      }
      expect(restoredResults).toEqual(results);
      // the first window is the batch result; later ones are scored by the learned scorer
      expect(results[0]).toEqual(await batch(options, reference ? [...reference] : undefined, windows[0]!));
      expect(results.every((r) => (r as { status?: string }).status !== undefined)).toBe(true);
      expect((results[1] as { details: { probation: number } }).details.probation).toBe(0);
    });
  }
});
