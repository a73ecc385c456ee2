import { describe, expect, it } from 'vitest';
import {
  CORE_API_VERSION, defineDetector, defineFieldProvider, defineMetric, definePlugin, planFromFile, Registry, runPlan, type SegmentResult,
} from '../src/index.js';
import { tempConfig, testPlugin } from './helpers.js';

const computed: string[] = [];

/** Detector whose p-value is the mean of field `p` in current (so each segment's p is planted). */
const segPlugin = definePlugin({
  name: 'seg-plugin',
  apiVersion: CORE_API_VERSION,
  detectors: {
    'p-of-data': defineDetector({
      description: 'p-value = mean of the field p in current.',
      options: { type: 'object', properties: { field: { type: 'string', default: 'p' } } },
      create: ({ field }) => ({
        evaluate({ current }) {
          const p = current.records.reduce((s, r) => s + Number(r[field]), 0) / current.records.length;
          return { status: p < 0.05 ? 'fail' : 'pass', statistic: current.records.length, pValue: p, threshold: 0.05, message: `p=${Number(p.toPrecision(3))}`, test: { alpha: 0.05 } };
        },
      }),
    }),
  },
  metrics: {
    count: defineMetric({
      description: 'Number of records.',
      options: { type: 'object', properties: { field: { type: 'string' } } },
      create: ({ field }) => ({ compute: ({ dataset }) => [{ name: 'n', value: dataset.records.filter((r) => field === undefined || r[field] !== undefined).length, unit: '1' }] }),
    }),
  },
  fields: {
    len: defineFieldProvider({
      description: 'Length of a text field (test provider).',
      options: { type: 'object', properties: { scale: { type: 'number', default: 1 } }, additionalProperties: false },
      check: (path) => (path.endsWith('.chars') ? undefined : 'only <field>.chars exists'),
      create: (options) => ({
        compute(dataset, paths) {
          computed.push(`${dataset.name}:${paths.join(',')}`);
          return new Map(paths.map((path) => {
            const field = path.slice(0, -'.chars'.length);
            return [path, dataset.records.map((r) => (typeof r[field] === 'string' ? (r[field] as string).length * (options.scale as number) : undefined))];
          }));
        },
      }),
    }),
  },
});

const registry = () => new Registry([testPlugin, segPlugin]);
const rows = (spec: Record<string, [number, number]>) => Object.entries(spec).flatMap(([g, [n, p]]) => Array.from({ length: n }, () => ({ g, p })));
const data = (cur: Record<string, [number, number]>, ref: Record<string, [number, number]> = cur) =>
  `data:\n  current: { use: inline, with: { records: ${JSON.stringify(rows(cur))} } }\n  reference: { use: inline, with: { records: ${JSON.stringify(rows(ref))} } }\n`;
const run = async (text: string) => runPlan(await planFromFile(tempConfig(text), registry()));
const segs = (d: { details?: Record<string, unknown> }) => d.details!.segments as SegmentResult[];

describe('per-segment runs (by:)', () => {
  it('runs per segment, takes the worst status, names the moved segments and reports small ones', async () => {
    const report = await run(`version: 1\n${data({ a: [40, 0.5], b: [35, 0.001], c: [5, 0.001] })}detectors:\n  - { use: p-of-data, by: g }\n`);
    const d = report.detectors[0]!;
    expect(segs(d).map((s) => [s.segment, s.n, s.nReference, s.status])).toEqual([['a', 40, 40, 'pass'], ['b', 35, 35, 'fail'], ['c', 5, 5, 'too-small']]);
    expect(d.status).toBe('fail');
    expect(d.pValue).toBeCloseTo(0.001, 12);
    expect(d.message).toBe('by g: 1 of 2 segments moved: b (fail, p=0.001); worst: b: p=0.001; 1 too small (< 30 records): c');
  });

  it('counts each segment in the run-level correction', async () => {
    // Alone, p=0.02 fails at 0.05; with three more tests in the family (Bonferroni ×4) it passes.
    const report = await run(`version: 1\ncorrection: bonferroni\n${data({ a: [30, 0.02], b: [30, 0.5], c: [30, 0.9] })}detectors:\n  - { use: p-of-data, by: g }\n  - { id: other, use: p-value, with: { p: 0.5 } }\n`);
    const d = report.detectors[0]!;
    expect(segs(d).map((s) => [s.segment, s.status])).toEqual([['a', 'pass'], ['b', 'pass'], ['c', 'pass']]);
    expect(segs(d).map((s) => s.pValueAdjusted)).toEqual([expect.closeTo(0.08, 12), 1, 1]);
    expect(d.status).toBe('pass');
    expect(report.detectors[1]!.pValueAdjusted).toBe(1);
    const uncorrected = await run(`version: 1\n${data({ a: [30, 0.02], b: [30, 0.5] })}detectors:\n  - { use: p-of-data, by: g }\n`);
    expect(uncorrected.detectors[0]!.status).toBe('fail');
  });

  it('warns when no segment is big enough, counts records without the field, and rejects id-like fields', async () => {
    const small = await run(`version: 1\n${data({ a: [10, 0.5] })}detectors:\n  - { use: p-of-data, by: g, minSegmentSize: 20 }\n`);
    expect(small.detectors[0]).toMatchObject({ status: 'warn', message: 'by g: no segment has at least 20 records; 1 too small (< 20 records): a' });
    const missing = await run(`version: 1\n${data({ a: [30, 0.5] })}detectors:\n  - { use: p-of-data, by: nope }\n`);
    expect(missing.detectors[0]).toMatchObject({ status: 'error' });
    expect(missing.detectors[0]!.message).toContain('by: "nope" is missing in every record');
    const many = Array.from({ length: 201 }, (_, i) => ({ g: `u${i}`, p: 0.5 }));
    const ids = await run(`version: 1\ndata:\n  current: { use: inline, with: { records: ${JSON.stringify(many)} } }\n  reference: { use: inline, with: { records: ${JSON.stringify(many)} } }\ndetectors:\n  - { use: p-of-data, by: g }\n`);
    expect(ids.detectors[0]!.message).toContain('has 201 distinct values (at most 200)');
  });

  it('labels metric values per segment and warns about small segments', async () => {
    const report = await run(`version: 1\n${data({ a: [40, 0.5], b: [3, 0.5] })}metrics:\n  - { use: count, by: g }\n`);
    expect(report.metrics).toEqual([{ name: 'n', value: 40, unit: '1', labels: { dataset: 'current', segment: 'a' } }]);
    expect(report.warnings).toEqual(['metric "count" (count): segments of g below minSegmentSize 30 not computed: b (3)']);
  });

  it('rejects minSegmentSize without by', async () => {
    await expect(planFromFile(tempConfig(`version: 1\n${data({ a: [1, 1] })}detectors:\n  - { use: p-of-data, minSegmentSize: 5 }\n`), registry())).rejects.toThrow('/detectors/0/minSegmentSize has no effect without by');
  });
});

describe('virtual fields (field providers)', () => {
  it('computes only the referenced fields, once per dataset that a referencing component reads', async () => {
    computed.length = 0;
    const recs = JSON.stringify([{ text: 'abcd', g: 'x' }, { text: 'ab', g: 'x' }, { g: 'x' }]);
    const full = JSON.stringify([{ text: 'abcd' }, { text: 'ab' }]);
    const report = await run(`version: 1\ndata:\n  current: { use: inline, with: { records: ${full} } }\n  reference: { use: inline, with: { records: ${recs} } }\n  unused: { use: inline, with: { records: ${recs} } }\ndetectors:\n  - { use: mean-above, with: { field: len.text.chars, threshold: 2 } }\nmetrics:\n  - { use: count, with: { field: len.text.chars } }\n  - { use: count, dataset: reference, with: { field: len.text.chars } }\n`);
    expect(computed.sort()).toEqual(['current:text.chars', 'reference:text.chars']);
    expect(report.detectors[0]).toMatchObject({ status: 'fail', statistic: 3 }); // mean length of 'abcd' and 'ab'
    expect(report.metrics.map((m) => m.value)).toEqual([2, 2]);
  });

  it('explains an unknown virtual field at plan time with file, line and path', async () => {
    await expect(planFromFile(tempConfig(`version: 1\n${data({ a: [1, 1] })}detectors:\n  - use: mean-above\n    with: { field: len.text.words }\n`), registry()))
      .rejects.toThrow(/vigia\.yaml:7: \/detectors\/0\/with\/field names field "len\.text\.words": only <field>\.chars exists/);
  });
});
