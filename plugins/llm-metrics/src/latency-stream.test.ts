import { describe, expect, it } from 'vitest';
import { validateOptions, type MetricValue, type StatefulMetric, type VigiaRecord, type WindowInfo } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { createTestContext, makeDataset } from '@vigia/testing';
import { latency } from './latency.js';

const rng = createRandom(5);
const logs = (n: number) => Array.from({ length: n }, (_, i) => ({
  model: ['a', 'b', 'c'][Math.floor(rng.next() * 3)],
  latency_ms: i % 97 === 3 ? null : 200 + 800 * rng.next(),
  ...(i % 3 !== 0 ? { ttft_ms: 50 + 100 * rng.next() } : {}),
  output_tokens: Math.floor(rng.next() * 50),
  ...(i % 41 === 0 ? { error: 'timeout' } : {}),
}));
const window = (index: number): WindowInfo => ({ index, start: null, end: null, partial: false, records: 0 });

async function create(options: Record<string, unknown>) {
  const ctx = createTestContext({ id: 'latency' });
  const warnings: string[] = [];
  const logged = { ...ctx, logger: { ...ctx.logger, warn: (m: string) => warnings.push(m) } };
  const metric = (await latency.create(validateOptions(latency, options) as never, logged)) as unknown as StatefulMetric;
  return { metric, ctx: logged, warnings };
}

const outcome = async (f: () => MetricValue[] | Promise<MetricValue[]>) => {
  try {
    return await f();
  } catch (error) {
    return { error: (error as Error).message.replace(/ \(memory:\w+\)/g, '') };
  }
};

async function batch(options: Record<string, unknown>, records: VigiaRecord[]) {
  const { metric, ctx, warnings } = await create(options);
  const dataset = makeDataset('current', records);
  const values = await outcome(() => (metric.compute as (i: unknown, c: unknown) => MetricValue[])({ dataset, datasets: new Map([['current', dataset]]) }, ctx));
  return { values, warnings };
}

async function streamed(options: Record<string, unknown>, records: VigiaRecord[], size = 77) {
  const { metric, ctx, warnings } = await create(options);
  for (let i = 0; i < records.length; i += size) await metric.update({ dataset: 'current', role: 'current', records: records.slice(i, i + size) }, ctx);
  return { values: await outcome(() => metric.compute({ window: window(0) }, ctx)), warnings };
}

const cases: Array<[string, Record<string, unknown>, VigiaRecord[]]> = [
  ['exact, defaults', {}, logs(2000)],
  ['exact, by model', { groupBy: 'model' }, logs(2000)],
  ['sketch, small k (compactions), by model', { mode: 'sketch', sketchK: 20, groupBy: 'model' }, logs(5000)],
  ['seconds, no histogram', { fieldUnit: 's', histogram: false }, logs(300)],
  ['ttft later than latency (a warning)', {}, [...logs(100), { latency_ms: 100, ttft_ms: 300, output_tokens: 5 }]],
  ['no ttft anywhere', {}, logs(200).map(({ ttft_ms: _, ...r }) => r)],
  ['latency missing everywhere', {}, [{ x: 1 }, { x: 2 }]],
  ['a bad value in a later group is reported after an earlier group’s', { groupBy: 'model' }, [{ model: 'b', latency_ms: -1 }, { model: 'a', latency_ms: 'slow' }, { model: 'a', latency_ms: 3 }]],
  ['groupBy on an object', { groupBy: 'model' }, [{ model: 'a', latency_ms: 1 }, { model: { x: 1 }, latency_ms: 2 }]],
];

describe('latency streamed = batch', () => {
  for (const [name, options, records] of cases) {
    it(name, async () => {
      const expected = await batch(options, records);
      expect(await streamed(options, records)).toEqual(expected);
    });
  }

  it('starts each window afresh and continues exactly from a snapshot, sketches included', async () => {
    const options = { mode: 'sketch', sketchK: 20, groupBy: 'model' };
    const windows = [logs(3000), logs(1000), logs(2500)];
    const { metric, ctx } = await create(options);
    for (const [k, records] of windows.entries()) {
      const half = Math.floor(records.length / 2);
      await metric.update({ dataset: 'current', role: 'current', records: records.slice(0, half) }, ctx);
      const { metric: restored, ctx: ctx2 } = await create(options);
      restored.restore!(JSON.parse(JSON.stringify(metric.snapshot!())));
      for (const m of [metric, restored]) await m.update({ dataset: 'current', role: 'current', records: records.slice(half) }, ctx);
      const expected = (await batch(options, records)).values;
      expect(await metric.compute({ window: window(k) }, ctx)).toEqual(expected);
      expect(await restored.compute({ window: window(k) }, ctx2)).toEqual(expected);
    }
  });
});
