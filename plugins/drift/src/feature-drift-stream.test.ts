import { describe, expect, it } from 'vitest';
import { SharedState, validateOptions, type DetectorOutcome, type StatefulDetector, type VigiaRecord, type WindowInfo } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { createTestContext, makeDataset, runInMemory } from '@vigia/testing';
import drift from './index.js';
import { featureDrift } from './feature-drift.js';

const rng = createRandom(11);
const numbers = (n: number, shift = 0, field = 'latency_ms') => Array.from({ length: n }, (_, i) => ({ [field]: i % 50 === 7 ? null : 200 + 40 * (rng.normal() + shift), other: 'x' }));
const cats = (n: number, skew = 0) => Array.from({ length: n }, (_, i) => ({ attributes: { intent: i % 31 === 0 ? undefined : ['a', 'b', 'c', 'd', ''][Math.floor(rng.next() * (5 - skew))] } }));
const window = (index: number, records: number): WindowInfo => ({ index, start: null, end: null, partial: false, records });

async function create(options: Record<string, unknown>) {
  const ctx = createTestContext({ id: 'feature-drift' });
  const detector = (await featureDrift.create(validateOptions(featureDrift, options) as never, ctx)) as unknown as StatefulDetector;
  return { detector, ctx };
}

function feed(detector: StatefulDetector, ctx: ReturnType<typeof createTestContext>, dataset: string, role: 'reference' | 'current', records: VigiaRecord[], size: number) {
  for (let i = 0; i < records.length; i += size) void detector.update({ dataset, role, records: records.slice(i, i + size) }, ctx);
}

/** The batch path's result for two datasets. */
async function batch(options: Record<string, unknown>, reference: VigiaRecord[], current: VigiaRecord[]): Promise<DetectorOutcome> {
  const { detector, ctx } = await create(options);
  const ref = makeDataset('reference', reference), cur = makeDataset('current', current);
  return (detector.evaluate as (input: unknown, c: unknown) => DetectorOutcome)({ reference: ref, current: cur, datasets: new Map([['reference', ref], ['current', cur]]) }, ctx);
}

const outcome = async (f: () => DetectorOutcome | Promise<DetectorOutcome>) => {
  try {
    return await f();
  } catch (error) {
    return { error: (error as Error).message.replace(/ \(memory:\w+\)/g, '') };
  }
};

const cases: Array<[string, Record<string, unknown>, VigiaRecord[], VigiaRecord[]]> = [
  ['ks (default, small)', { field: 'latency_ms' }, numbers(400), numbers(300, 0.4)],
  ['wasserstein (default, large)', { field: 'latency_ms' }, numbers(3000), numbers(2500, 0.1)],
  ['cvm', { field: 'latency_ms', test: 'cvm' }, numbers(400), numbers(300, 0.2)],
  ['energy', { field: 'latency_ms', test: 'energy' }, numbers(400), numbers(300, 0.2)],
  ['psi on numbers', { field: 'latency_ms', test: 'psi', bins: 7 }, numbers(400), numbers(300, 0.2)],
  ['jensenshannon on numbers', { field: 'latency_ms', test: 'jensenshannon' }, numbers(400), numbers(300, 0.2)],
  ['minEffect', { field: 'latency_ms', minEffect: 2 }, numbers(400), numbers(300, 0.5)],
  ['chi2 (default categorical)', { field: 'attributes.intent' }, cats(500), cats(400, 1)],
  ['jensenshannon (large categorical)', { field: 'attributes.intent' }, cats(2000), cats(1500, 2)],
  ['tvd', { field: 'attributes.intent', test: 'tvd' }, cats(500), cats(400, 1)],
  ['psi on categories', { field: 'attributes.intent', test: 'psi' }, cats(500), cats(400, 1)],
  ['explicit categorical on numbers', { field: 'n', type: 'categorical' }, Array.from({ length: 300 }, (_, i) => ({ n: i % 4 })), Array.from({ length: 300 }, (_, i) => ({ n: i % 5 }))],
  ['mixed, skipped', { field: 'v', onInvalid: 'skip' }, Array.from({ length: 300 }, (_, i) => ({ v: i % 10 === 0 ? '12ms' : i })), Array.from({ length: 300 }, (_, i) => ({ v: i % 9 === 0 ? 'n/a' : String(i + 5) }))],
  ['mixed, text in the majority, skipped', { field: 'v', onInvalid: 'skip' }, Array.from({ length: 300 }, (_, i) => ({ v: i % 10 === 0 ? i : `k${i % 4}` })), Array.from({ length: 300 }, (_, i) => ({ v: `k${i % 3}` }))],
  ['mixed: an error naming examples', { field: 'v' }, Array.from({ length: 300 }, (_, i) => ({ v: i % 10 === 0 ? '12ms' : i })), Array.from({ length: 30 }, (_, i) => ({ v: i }))],
  ['non-numbers with type numeric', { field: 'v', type: 'numeric' }, Array.from({ length: 30 }, (_, i) => ({ v: i })), Array.from({ length: 30 }, (_, i) => ({ v: i % 3 ? i : 'x' }))],
  ['numbers only (test: ks): numeric strings, empty strings, nulls, skipped text, nested and literal dotted keys', { field: 'a.v', test: 'ks', onInvalid: 'skip' },
    Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? { 'a.v': i * 1.5 } : { a: { v: [i, String(i + 0.25), '', null, 'n/a', undefined][i % 6] } })),
    Array.from({ length: 200 }, (_, i) => ({ a: { v: i % 11 === 0 ? '3e2' : i % 13 === 0 ? Infinity : i + 40 } }))],
  ['too few values', { field: 'latency_ms' }, numbers(3), numbers(40)],
  ['field missing everywhere', { field: 'nope' }, numbers(30), numbers(30)],
  ['an object as a category', { field: 'o', type: 'categorical' }, [{ o: 'a' }, { o: { x: 1 } }], [{ o: 'a' }]],
];

describe('feature-drift streamed = batch', () => {
  for (const [name, options, reference, current] of cases) {
    it(name, async () => {
      const expected = await outcome(() => batch(options, reference, current));
      const { detector, ctx } = await create(options);
      feed(detector, ctx, 'reference', 'reference', reference, 97);
      feed(detector, ctx, 'current', 'current', current, 61);
      expect(await outcome(() => detector.evaluate({ window: window(0, current.length) }, ctx))).toEqual(expected);
    });
  }

  it('keeps the reference across windows, drops each window, and resumes from a snapshot mid-window', async () => {
    const options = { field: 'latency_ms' };
    const reference = numbers(800);
    const windows = [numbers(300), numbers(300, 0.5), numbers(200, -0.3)];
    const { detector, ctx } = await create(options);
    feed(detector, ctx, 'reference', 'reference', reference, 128);
    for (const [k, current] of windows.entries()) {
      feed(detector, ctx, 'current', 'current', current.slice(0, 100), 50);
      // a restart in the middle of the window: a fresh instance continues from the snapshot
      const { detector: restored, ctx: ctx2 } = await create(options);
      restored.restore!(JSON.parse(JSON.stringify(detector.snapshot!())));
      feed(restored, ctx2, 'current', 'current', current.slice(100), 50);
      feed(detector, ctx, 'current', 'current', current.slice(100), 50);
      const expected = await batch(options, reference, current);
      expect(await detector.evaluate({ window: window(k, current.length) }, ctx)).toEqual(expected);
      expect(await restored.evaluate({ window: window(k, current.length) }, ctx2)).toEqual(expected);
    }
  });

  it('keeps a column, not the records: 200,000 values take about 1.6 MB', async () => {
    const { detector, ctx } = await create({ field: 'x', type: 'numeric' });
    const records = Array.from({ length: 200_000 }, (_, i) => ({ x: i }));
    feed(detector, ctx, 'reference', 'reference', records, 4096);
    const snap = detector.snapshot!() as { reference: { values: string } };
    expect(Buffer.from(snap.reference.values, 'base64').length).toBe(200_000 * 8);
  });

  it('detectors of one field share its columns in a session: read and sorted once, the same results, released at window end', async () => {
    const shared = new SharedState();
    const specs = [
      { test: 'ks' }, { test: 'cvm' }, { test: 'wasserstein' }, { test: 'energy' }, { test: 'psi' },
    ].map((o) => ({ field: 'latency_ms', ...o }));
    const cat = { field: 'attributes.intent', test: 'chi2' };
    const make = async (options: Record<string, unknown>, share: boolean) => {
      const ctx = createTestContext({ id: String(options.test) });
      const c = share ? { ...ctx, shared: shared.get } : ctx;
      return { detector: (await featureDrift.create(validateOptions(featureDrift, options) as never, c)) as unknown as StatefulDetector, ctx: c };
    };
    const together = await Promise.all([...specs, cat].map((o) => make(o, true)));
    const withCats = (rows: VigiaRecord[], skew: number) => { const c = cats(rows.length, skew); return rows.map((r, i) => ({ ...r, ...c[i] })); };
    const reference = withCats(numbers(900), 0);
    const windows = [withCats(numbers(400, 0.3), 1), withCats(numbers(350), 0)];
    let seq = 0;
    const feedAll = (role: 'reference' | 'current', dataset: string, records: VigiaRecord[]) => {
      for (let i = 0; i < records.length; i += 128) {
        const batch = { dataset, role, records: records.slice(i, i + 128), seq: ++seq };
        for (const { detector, ctx } of together) void detector.update(batch, ctx);
      }
    };
    feedAll('reference', 'reference', reference);
    // one reference column per field and plan: numbers (ks, cvm, wasserstein, energy), auto (psi), categories (chi2)
    expect(shared.size).toEqual({ session: 3, window: 0 });
    for (const [k, current] of windows.entries()) {
      feedAll('current', 'current', current);
      expect(shared.size.window).toBe(3);
      for (const [j, options] of [...specs, cat].entries()) {
        const alone = await make(options, false);
        feed(alone.detector, alone.ctx, 'reference', 'reference', reference, 128);
        feed(alone.detector, alone.ctx, 'current', 'current', current, 128);
        const expected = await alone.detector.evaluate({ window: window(k, current.length) }, alone.ctx);
        const { detector, ctx } = together[j]!;
        expect(await detector.evaluate({ window: window(k, current.length) }, ctx)).toEqual(expected);
      }
      shared.endWindow();
      expect(shared.size).toEqual({ session: 3, window: 0 });
    }
    // a snapshot of a sharing detector restores into a fresh (unshared) instance with the same answer
    feedAll('current', 'current', windows[0]!);
    const { detector: restored, ctx: ctx2 } = await make(specs[0]!, false);
    restored.restore!(JSON.parse(JSON.stringify(together[0]!.detector.snapshot!())));
    expect(await restored.evaluate({ window: window(2, 400) }, ctx2)).toEqual(await together[0]!.detector.evaluate({ window: window(2, 400) }, together[0]!.ctx));
  });

  it('in a run, detectors sharing a column report exactly what each reports alone', async () => {
    const reference = Array.from({ length: 3000 }, (_, i) => ({ x: 10 + rng.normal(), c: `k${i % 7}` }));
    const current = Array.from({ length: 2500 }, (_, i) => ({ x: 10.05 + rng.normal(), c: `k${(i * 3) % 8}` }));
    const detectors = [
      { id: 'ks', use: 'feature-drift', with: { field: 'x', test: 'ks' } },
      { id: 'cvm', use: 'feature-drift', with: { field: 'x', test: 'cvm' } },
      { id: 'w', use: 'feature-drift', with: { field: 'x', test: 'wasserstein' } },
      { id: 'auto', use: 'feature-drift', with: { field: 'x' } },
      { id: 'chi2', use: 'feature-drift', with: { field: 'c', test: 'chi2' } },
    ];
    const strip = ({ durationMs: _, ...rest }: Record<string, unknown>) => rest;
    const together = await runInMemory({ plugins: [drift], data: { reference, current }, detectors });
    for (const [i, d] of detectors.entries()) {
      const alone = await runInMemory({ plugins: [drift], data: { reference, current }, detectors: [d] });
      expect(strip(together.report.detectors[i]! as never)).toEqual(strip(alone.report.detectors[0]! as never));
    }
  });
});
