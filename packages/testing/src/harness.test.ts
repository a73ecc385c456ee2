import { describe, expect, it } from 'vitest';
import { defineDetector, defineMetric, definePlugin, numericColumn, CORE_API_VERSION } from '@vigia/core';
import {
  checkPlugin, createFakeClock, createFakeEmbedder, createFakeProvider, createSeededRng, runDetector, runInMemory, runMetric, sampleRecords,
} from './index.js';

const noisy = defineDetector({
  description: 'Returns a random statistic from its seeded RNG, and throws on request.',
  options: { type: 'object', properties: { explode: { type: 'boolean', default: false, description: 'Throw instead.' } }, additionalProperties: false },
  create: ({ explode }, ctx) => ({
    evaluate() {
      if (explode) throw new Error('backend unavailable');
      return { status: 'pass', statistic: ctx.rng.next(), pValue: null, threshold: null, message: 'ok' };
    },
  }),
});
const plugin = definePlugin({ name: 'vigia-plugin-noisy', apiVersion: CORE_API_VERSION, detectors: { noisy } });

describe('harness = engine', () => {
  it('seeds a detector with the id a config run gives it (its use name) and reports throws as status error', async () => {
    const rows = [{ x: 1 }];
    const alone = await runDetector(noisy, {}, { current: rows });
    const { report } = await runInMemory({ plugins: [plugin], data: { current: rows }, detectors: [{ use: 'noisy' }] });
    expect(alone.statistic).toBe(report.detectors[0]!.statistic);
    const other = await runDetector(noisy, {}, { current: rows }, { seed: 7 });
    expect(other.statistic).not.toBe(alone.statistic);

    const thrown = await runDetector(noisy, { explode: true }, { current: rows });
    expect(thrown).toMatchObject({ status: 'error', message: 'backend unavailable' });
    const inRun = await runInMemory({ plugins: [plugin], data: { current: rows }, detectors: [{ use: 'noisy', with: { explode: true } }] });
    expect(inRun.report.detectors[0]).toMatchObject({ status: 'error', message: 'backend unavailable' });
    expect(inRun.events.map((e) => e.type)).toEqual(expect.arrayContaining(['run:start', 'detector:start', 'detector:end', 'run:end']));
  });

  it('rejects invalid options as validate would, and turns a hang into a timeout error', async () => {
    await expect(runDetector(noisy, { explode: 'yes' }, { current: [] })).rejects.toThrow('/with/explode must be boolean');
    const hangs = defineDetector({ description: 'Never answers.', options: { type: 'object' }, create: () => ({ evaluate: () => new Promise(() => {}) }) });
    const r = await runDetector(hangs, {}, { current: [] }, { timeoutMs: 50 });
    expect(r.status).toBe('error');
    expect(r.message).toContain('did not finish within 50 ms');
  });

  it('labels metric values with their dataset, as in a run', async () => {
    const mean = defineMetric({
      description: 'Mean of x.',
      options: { type: 'object' },
      create: () => ({ compute: ({ dataset }) => [{ name: 'x.mean', value: numericColumn(dataset, 'x').values.reduce((a, b) => a + b, 0) / dataset.records.length, unit: '1' }] }),
    });
    expect(await runMetric(mean, {}, [{ x: 1 }, { x: 3 }])).toEqual([{ name: 'x.mean', value: 2, unit: '1', labels: { dataset: 'current' } }]);
  });
});

describe('fakes', () => {
  it('embedder, provider, clock and rng are deterministic', async () => {
    const e = createFakeEmbedder({ dimension: 4 });
    const [a, b, c] = await e.embed(['x', 'y', 'x']);
    expect(a).toEqual(c);
    expect(a).not.toEqual(b);
    expect(a!.length).toBe(4);
    const p = createFakeProvider(['one', 'two']);
    expect((await p.complete({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe('one');
    expect((await p.complete({ messages: [] })).text).toBe('two');
    expect(p.requests).toHaveLength(2);
    const clock = createFakeClock({ start: '2025-01-01T00:00:00Z' });
    clock.advance(1000);
    expect(new Date(clock.now()).toISOString()).toBe('2025-01-01T00:00:01.000Z');
    expect(createSeededRng(3).next()).toBe(createSeededRng(3).next());
    expect(sampleRecords(3)).toEqual(sampleRecords(3));
  });
});

describe('checkPlugin', () => {
  it('finds each kind of non-conformance', async () => {
    const sloppy = defineDetector({
      description: 'x',
      options: { type: 'object', properties: { field: { type: 'string' }, level: { type: 'number', minimum: 0, default: -1, description: 'Level.' } }, required: ['field'] },
      create: ({ field }) => ({
        evaluate({ current }) {
          // Reads the field without checking it: TypeErrors on missing or odd values.
          const total = current.records.reduce((s, r) => s + (r[field] as { valueOf(): number }).valueOf(), 0);
          return { status: 'pass', statistic: (total as number) / current.records.length, pValue: null, threshold: null, message: '' };
        },
      }),
    });
    const bad = definePlugin({ name: 'vigia-plugin-sloppy', apiVersion: CORE_API_VERSION, detectors: { sloppy } });
    const findings = await checkPlugin(bad, { sloppy: { options: { field: 'x', level: 1 }, records: [{ x: 1 }, { x: 2 }], fields: ['x'] } });
    const problems = Object.fromEntries(findings.filter((f) => f.problem).map((f) => [f.check, f.problem]));
    expect(Object.keys(problems).sort()).toEqual(['defaults validate', 'description', 'empty dataset', 'missing field', 'options documented', 'wrong type']);
    expect(problems['options documented']).toContain('field');
    expect(problems['defaults validate']).toContain('level: default -1');
    expect(problems['missing field']).toMatch(/raw JavaScript error/);

    const good = defineDetector({
      description: 'Mean of a numeric field.',
      options: { type: 'object', properties: { field: { type: 'string', description: 'Numeric field.' } }, required: ['field'] },
      create: ({ field }) => ({
        evaluate({ current }) {
          const xs = numericColumn(current, field).values;
          return { status: 'pass', statistic: xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null, pValue: null, threshold: null, message: `mean of ${field}` };
        },
      }),
    });
    const ok = await checkPlugin(definePlugin({ name: 'vigia-plugin-good', apiVersion: CORE_API_VERSION, detectors: { good } }), { good: { options: { field: 'x' }, records: [{ x: 1 }], fields: ['x'] } });
    expect(ok.filter((f) => f.problem)).toEqual([]);
  });
});
