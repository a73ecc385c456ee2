import { beforeEach, describe, expect, it } from 'vitest';
import { planFromFile, Registry, runPlan, CORE_API_VERSION, definePlugin, ConfigError, SinkFailedError } from '../src/index.js';
import { received, tempConfig, testPlugin } from './helpers.js';

const data = `data:\n  current: { use: inline, with: { records: [{ x: 3 }, { x: 5 }], skipped: 2 } }\n  reference: { use: inline, with: { records: [{ x: 1 }] } }\n`;
const run = async (text: string) => runPlan(await planFromFile(tempConfig(text), new Registry([testPlugin])));

beforeEach(() => {
  received.events.length = 0;
  received.reports.length = 0;
  received.shutdown = 0;
});

describe('run engine', () => {
  it('runs detectors, reports durations and dataset counts, and feeds sinks every event', async () => {
    const report = await run(`version: 1\nname: t\n${data}detectors:\n  - { id: high, use: mean-above, with: { field: x, threshold: 10 } }\n  - { id: low, use: mean-above, with: { field: x, threshold: 1 } }\nsinks:\n  - use: memory\n`);
    expect(report.status).toBe('fail');
    expect(report.detectors.map((d) => [d.id, d.status, d.statistic])).toEqual([['high', 'pass', 4], ['low', 'fail', 4]]);
    expect(report.detectors[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.datasets.current).toEqual({ records: 2, skipped: 2 });
    expect(report.warnings?.[0]).toContain('dataset "current": skipped 2 invalid records');
    expect(received.events.map((e) => e.type)).toEqual(expect.arrayContaining(['run:start', 'dataset:loaded', 'detector:start', 'detector:end', 'run:end']));
    expect(received.reports).toHaveLength(1);
    expect(received.shutdown).toBe(1);
  });

  it('turns a throwing detector into an error result and keeps going', async () => {
    const report = await run(`version: 1\n${data}detectors:\n  - use: throws\n  - { id: ok, use: mean-above, with: { field: x, threshold: 10 } }\n`);
    expect(report.detectors[0]).toMatchObject({ id: 'throws', status: 'error', message: 'boom from the detector', statistic: null });
    expect(report.detectors[1]).toMatchObject({ id: 'ok', status: 'pass' });
    expect(report.status).toBe('error');
  });

  it('times out a hanging detector', async () => {
    const report = await run(`version: 1\n${data}detectors:\n  - { use: hangs, timeoutMs: 50 }\n  - { id: ok, use: mean-above, with: { field: x, threshold: 10 } }\n`);
    expect(report.detectors[0]!.status).toBe('error');
    expect(report.detectors[0]!.message).toContain('did not finish within 50 ms');
    expect(report.detectors[1]!.status).toBe('pass');
  });

  it('applies Benjamini–Hochberg across p-value detectors and turns significant results below minEffect into warnings', async () => {
    const cfg = (correction: string) => `version: 1\ncorrection: ${correction}\n${data}detectors:\n  - { id: a, use: p-value, with: { p: 0.01 } }\n  - { id: b, use: p-value, with: { p: 0.04 } }\n  - { id: c, use: p-value, with: { p: 0.03 } }\n  - { id: d, use: p-value, with: { p: 0.001, effect: 0.01, minEffect: 0.1 } }\n`;
    const none = await run(cfg('none'));
    expect(none.detectors.map((d) => d.status)).toEqual(['fail', 'fail', 'fail', 'fail']);
    const bh = await run(cfg('bh'));
    // BH on [0.01, 0.04, 0.03, 0.001]: adjusted [0.02, 0.04, 0.04, 0.004]
    expect(bh.detectors.map((d) => d.pValueAdjusted)).toEqual([0.02, 0.04, 0.04, 0.004].map((x) => expect.closeTo(x, 12)));
    expect(bh.detectors.map((d) => d.status)).toEqual(['fail', 'fail', 'fail', 'warn']);
    const bonf = await run(cfg('bonferroni'));
    expect(bonf.detectors.map((d) => d.status)).toEqual(['fail', 'pass', 'pass', 'warn']);
  });

  it('reports severity: warn failures as warnings', async () => {
    const report = await run(`version: 1\n${data}detectors:\n  - { use: mean-above, with: { field: x, threshold: 1 }, severity: warn }\n`);
    expect(report.detectors[0]!.status).toBe('warn');
    expect(report.status).toBe('warn');
  });

  it('keeps a failing optional sink from breaking the run', async () => {
    const report = await run(`version: 1\n${data}detectors:\n  - { use: mean-above, with: { field: x, threshold: 10 } }\nsinks:\n  - { use: broken, required: false }\n`);
    expect(report.status).toBe('pass');
    expect(report.warnings?.join('\n')).toContain('failed in report: disk full');
  });

  it('fails the run (exit 3) when a required sink cannot produce its output, still handing back the report', async () => {
    const e = await run(`version: 1\n${data}detectors:\n  - { use: mean-above, with: { field: x, threshold: 10 } }\nsinks:\n  - use: broken\n`).then(() => undefined, (error: unknown) => error);
    expect(e).toBeInstanceOf(SinkFailedError);
    expect((e as SinkFailedError).exitCode).toBe(3);
    expect((e as SinkFailedError).message).toMatch(/sink broken \(\/sinks\/0\) failed in report: disk full/);
    expect((e as SinkFailedError).report.detectors[0]!.status).toBe('pass');
  });

  it('redacts interpolated secrets from the report', async () => {
    process.env.VIGIA_TEST_SECRET = 'hunter2-secret';
    const report = await run(`version: 1\nname: run-\${env:VIGIA_TEST_SECRET}\n${data}`);
    expect(report.name).toBe('run-***');
    delete process.env.VIGIA_TEST_SECRET;
  });
});

describe('registry', () => {
  it('refuses a plugin built for another core API version, saying what to do', () => {
    const future = definePlugin({ name: 'vigia-plugin-future', apiVersion: CORE_API_VERSION + 1 });
    expect(() => new Registry([future])).toThrow(ConfigError);
    expect(() => new Registry([future])).toThrow(/targets core API version 3, but this Vigia provides version 2 \(and loads plugins built for 1 or 2\)/);
  });

  it('loads a plugin built for API 1 unchanged', () => {
    const old = definePlugin({ name: 'vigia-plugin-old', apiVersion: 1 });
    expect(() => new Registry([old])).not.toThrow();
  });

  it('refuses two components with one name', () => {
    const clash = definePlugin({ name: 'clash', apiVersion: CORE_API_VERSION, detectors: { throws: testPlugin.detectors.throws } });
    expect(() => new Registry([testPlugin, clash])).toThrow(/already provides/);
  });

  it('composes one JSON Schema with every component', () => {
    const schema = new Registry([testPlugin]).composeSchema({ type: 'object', properties: { detectors: { type: 'array', items: { type: 'object', properties: {} } }, metrics: { type: 'array', items: {} }, sinks: { type: 'array', items: {} }, data: { additionalProperties: {} }, embedders: { additionalProperties: {} }, providers: { additionalProperties: {} } } }) as { properties: { detectors: { items: { allOf: unknown[]; properties: { use: { enum: string[] } } } } } };
    expect(schema.properties.detectors.items.properties.use.enum).toContain('mean-above');
    expect(JSON.stringify(schema.properties.detectors.items.allOf)).toContain('"threshold"');
  });
});
