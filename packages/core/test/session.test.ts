import { describe, expect, it } from 'vitest';
import {
  CORE_API_VERSION, Registry, Session, defineDetector, definePlugin, defineSink, defineStatefulDetector, defineStatefulMetric, planFromFile, runPlan,
  runDetectorComponent, createStandaloneServices, setSinkErrorHandler, type VigiaRecord,
} from '../src/index.js';
import { tempConfig, testPlugin } from './helpers.js';

const rows = (n: number, f: (i: number) => VigiaRecord) => Array.from({ length: n }, (_, i) => f(i));

const plugin = definePlugin({
  name: 'session-plugin',
  apiVersion: CORE_API_VERSION,
  detectors: {
    // Leaves the decision to core.
    'mean-z': defineStatefulDetector({
      description: 'z of the window mean against the reference mean; core decides by p-value.',
      options: { type: 'object', properties: { alpha: { type: 'number', default: 0.05 } } },
      fields: () => ['x'],
      create: ({ alpha }) => {
        const ref = { n: 0, s: 0, ss: 0 };
        let cur = { n: 0, s: 0 };
        return {
          update({ role, records }) {
            for (const r of records) {
              const x = Number(r.x);
              if (role === 'reference') { ref.n++; ref.s += x; ref.ss += x * x; } else { cur.n++; cur.s += x; }
            }
          },
          evaluate() {
            const m = ref.s / ref.n;
            const sd = Math.sqrt(ref.ss / ref.n - m * m);
            const z = (cur.s / cur.n - m) / (sd / Math.sqrt(cur.n));
            cur = { n: 0, s: 0 };
            const p = Math.min(1, 2 * Math.exp(-0.717 * Math.abs(z) - 0.416 * z * z)); // a normal-tail approximation, enough here
            return { statistic: z, pValue: p, message: `z=${z.toFixed(2)}`, decide: { kind: 'p-value', alpha, effectSize: Math.abs(z), minEffect: null } };
          },
          snapshot: () => ({ ref, cur }),
          restore: () => undefined,
        };
      },
    }),
    count: defineDetector({
      description: 'Records of the window (batch).',
      options: { type: 'object', properties: {} },
      create: () => ({ evaluate: ({ current }) => ({ statistic: current.records.length, pValue: null, message: String(current.records.length), decide: { kind: 'threshold', threshold: 1e9 } }) }),
    }),
  },
  metrics: {
    seen: defineStatefulMetric({
      description: 'Records seen in the window.',
      options: { type: 'object', properties: {} },
      create: () => {
        let n = 0;
        return { update: ({ records }) => { n += records.length; }, compute: () => { const out = [{ name: 'seen', value: n, unit: '{record}' }]; n = 0; return out; } };
      },
    }),
  },
  sinks: {
    rejecting: defineSink({
      description: 'Every export rejects.', required: false, options: { type: 'object', properties: {} },
      create: () => ({ export: async () => { throw new Error('ECONNREFUSED 127.0.0.1:4318'); } }),
    }),
    failing: defineSink({
      description: 'Every export resolves as failed.', required: false, options: { type: 'object', properties: {} },
      create: () => ({ export: async () => ({ code: 'failed' as const, error: new Error('HTTP 503') }) }),
    }),
    hanging: defineSink({
      description: 'No export ever resolves.', required: false, options: { type: 'object', properties: {} },
      create: () => ({ export: () => new Promise(() => {}), forceFlush: () => new Promise(() => {}) }),
    }),
  },
});

const registry = () => new Registry([testPlugin, plugin]);
const inline = (records: VigiaRecord[]) => `{ use: inline, with: { records: ${JSON.stringify(records)} } }`;
const reference = rows(400, (i) => ({ x: (i % 20) / 10, timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z` }));
const current = rows(1000, (i) => ({ x: (i % 20) / 10 + (i >= 600 ? 0.5 : 0), timestamp: new Date(Date.UTC(2026, 0, 2) + i * 1000).toISOString() }));

describe('sessions and windows', () => {
  it('a batch run is one window: core decides undecided results, the report carries the window', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\ndata:\n  reference: ${inline(reference)}\n  current: ${inline(current.slice(0, 500))}\ndetectors:\n  - use: mean-z\n  - use: count\nmetrics:\n  - use: seen\n`), registry());
    const report = await runPlan(plan);
    expect(report.detectors.map((d) => [d.id, d.status, d.threshold])).toEqual([['mean-z', 'pass', 0.05], ['count', 'pass', 1e9]]);
    expect(report.window).toMatchObject({ index: 0, partial: false, records: 500, start: '2026-01-02T00:00:00.000Z', end: '2026-01-02T00:08:19.000Z' });
    expect(report.windows).toBeUndefined();
    expect(report.metrics).toEqual([{ name: 'seen', value: 500, unit: '{record}', labels: { dataset: 'current' } }]);
  });

  it('windows by record time: each window evaluated with its own records; the shift fails only its windows', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\ndata:\n  reference: ${inline(reference)}\n  current: ${inline(current)}\nwindows: { size: 200s }\ndetectors:\n  - use: mean-z\n  - use: count\nmetrics:\n  - use: seen\n`), registry());
    const report = await runPlan(plan);
    const windows = report.windows!;
    expect(windows.map((w) => w.window.records)).toEqual([200, 200, 200, 200, 200]);
    expect(windows.map((w) => w.detectors[1]!.statistic)).toEqual([200, 200, 200, 200, 200]);
    expect(windows.map((w) => w.metrics[0]!.value)).toEqual([200, 200, 200, 200, 200]);
    expect(windows.map((w) => w.detectors[0]!.status)).toEqual(['pass', 'pass', 'pass', 'fail', 'fail']);
    expect(windows[0]!.window).toMatchObject({ start: '2026-01-02T00:00:00.000Z', end: '2026-01-02T00:03:20.000Z' });
    expect(report.status).toBe('fail');
    expect(report.datasets.current).toEqual({ records: 1000, skipped: 0 });
  });

  it('sliding windows by count', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\ndata:\n  reference: ${inline(reference)}\n  current: ${inline(current)}\nwindows: { records: 400, every: 200 }\ndetectors:\n  - use: count\n`), registry());
    const report = await runPlan(plan);
    // Windows end every 200 records; the first holds the 200 before its end, the last is closed by the end of input.
    expect(report.windows!.map((w) => [w.window.records, w.window.partial])).toEqual([[200, false], [400, false], [400, false], [400, false], [400, true]]);
  });

  it('the harness path and a session give the same result for a stateful detector', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\ndata:\n  reference: ${inline(reference)}\n  current: ${inline(current)}\ndetectors:\n  - use: mean-z\n`), registry());
    const report = await runPlan(plan);
    const ds = (name: string, records: VigiaRecord[]) => ({ name, records, skipped: 0, origin: 'inline' });
    const direct = await runDetectorComponent(plan.detectors[0]!, { reference: ds('reference', reference), current: ds('current', current), datasets: new Map() }, createStandaloneServices());
    expect(direct).toMatchObject({ status: report.detectors[0]!.status, statistic: report.detectors[0]!.statistic, pValue: report.detectors[0]!.pValue });
  });

  it('sinks whose exports reject, fail or never resolve: the run ends within the deadline with one counted warning each', async () => {
    const many = rows(3000, (i) => ({ x: i % 7, timestamp: new Date(Date.UTC(2026, 0, 2) + i * 1000).toISOString() }));
    const plan = await planFromFile(tempConfig(`version: 1\ndata:\n  reference: ${inline(reference)}\n  current: ${inline(many)}\nwindows: { records: 100 }\ndetectors:\n  - use: count\nsinks:\n  - use: rejecting\n  - use: failing\n  - use: hanging\n`), registry());
    const seen: string[] = [];
    setSinkErrorHandler((error, where) => seen.push(`${where.sink}:${where.step}`));
    const t = performance.now();
    try {
      const report = await runPlan(plan, { sinkDeadlineMs: 300 });
      const took = performance.now() - t;
      expect(report.windows).toHaveLength(30);
      expect(took).toBeLessThan(5000);
      for (const name of ['rejecting', 'failing']) {
        const lines = report.warnings!.filter((w) => w.includes(`sink ${name}`));
        expect(lines.filter((w) => /failed in export: /.test(w))).toHaveLength(1);
        expect(lines.some((w) => /failed in export \d+ times in all/.test(w))).toBe(true);
      }
      expect(report.warnings!.filter((w) => w.includes('sink hanging') && w.includes('did not finish within'))).not.toHaveLength(0);
      expect(report.warnings!.length).toBeLessThan(12);
      expect(seen.length).toBeGreaterThan(3);
    } finally {
      setSinkErrorHandler(undefined);
    }
  });

  it('refuses a snapshot of another config, and explains a windows: mistake', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\nname: a\ndata:\n  current: ${inline(current.slice(0, 10))}\nwindows: { records: 5 }\ndetectors:\n  - use: count\n`), registry());
    await expect(Session.open(plan, { restore: { version: 1, name: 'b', nextIndex: 0, positions: {}, components: {}, totals: { records: 0, skipped: 0 } } })).rejects.toThrow(/belongs to config "b", not "a"/);
    const bad = await planFromFile(tempConfig(`version: 1\ndata:\n  current: ${inline(current.slice(0, 10))}\nwindows: { records: 5, size: 1m }\n`), registry());
    await expect(runPlan(bad)).rejects.toThrow(/needs exactly one of size: .* or records:/);
  });
});

describe('parseTimestamp fast path', () => {
  it('reads Z-suffixed ISO times exactly as the general parser does', async () => {
    const { parseTimestamp } = await import('../src/index.js');
    const general = (text: string) => parseTimestamp(` ${text}`); // a leading space skips the fast path
    const cases = ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.1Z', '2026-01-02T03:04:05.12Z', '2026-01-02T03:04:05.123Z', '2026-01-02T03:04:05.123456Z', '1999-12-31T23:59:59.999999999Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z'];
    for (let i = 0; i < 200; i++) cases.push(new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 2e12)).toISOString());
    for (const c of cases) expect([c, parseTimestamp(c)]).toEqual([c, general(c)]);
  });
});
