import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Session, createRng, parseConfigText, planFromLoaded, type Plan, type SessionSnapshot, type SourceBatch, type WindowReport } from '@vigia/core';
import { HistoryReferences, HistoryStore, Watcher } from '@vigia/monitor';
import { main } from '../packages/cli/src/main.js';
import { builtinRegistry } from '../packages/cli/src/shared.js';
import { tempProject } from './helpers.js';

/**
 * A rolling reference (`data.reference: { fromHistory }`) through the watcher and the DuckDB
 * store: cold start, a shift flagged and then absorbed once the shifted traffic filled the range,
 * the false-alarm rate on stable traffic, and the same results after a crash and restart.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigia-fromhistory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** `windows` one-minute windows of `perWindow` records; x ~ N(shift(w), 1). */
function traffic(windows: number, perWindow: number, shift: (w: number) => number, seed = 11): Array<Record<string, unknown>> {
  const rng = createRng(seed);
  const out: Array<Record<string, unknown>> = [];
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < perWindow; i++) {
      out.push({ timestamp: new Date(T0 + w * MINUTE + Math.floor((i * MINUTE) / perWindow)).toISOString(), x: rng.normal() + shift(w), id: out.length });
    }
  }
  return out;
}

async function planOf(fromHistory: string, extra = ''): Promise<Plan> {
  const text = [
    'version: 1',
    'name: rolling',
    'seed: 7',
    'data:',
    '  current: { use: jsonl, with: { path: ./live.jsonl, follow: true } }',
    `  reference: { fromHistory: ${fromHistory} }`,
    'windows: { size: 1m }',
    'store: { path: ./history.duckdb }',
    'detectors:',
    '  - { id: x-drift, use: feature-drift, with: { field: x, test: ks } }',
    extra,
    '',
  ].join('\n');
  return planFromLoaded(parseConfigText(text, { file: join(dir, 'rolling.yaml') }), await builtinRegistry());
}

/** Batches of 97 records with their position (the record ordinal), from a position on. */
async function* batches(records: Array<Record<string, unknown>>, from: number, stopAt = Infinity): AsyncIterable<SourceBatch> {
  for (let i = from; i < Math.min(records.length, stopAt); i += 97) {
    const end = Math.min(i + 97, records.length, stopAt);
    yield { records: records.slice(i, end), skipped: 0, position: { line: end } };
  }
}

/** Run a watcher over `records` (from its stored position) until `stopAt`; `crash`: abandon instead of stopping. */
async function watch(store: HistoryStore, plan: Plan, records: Array<Record<string, unknown>>, options: { stopAt?: number; crash?: boolean } = {}): Promise<void> {
  const history = new HistoryReferences(store, plan.config.name);
  let fatal: unknown;
  const w = new Watcher({
    run: plan.config.name, store, history, tickMs: 60_000,
    openSession: async (snapshot) => Session.open(plan, { history, keepWindows: 2, ...(snapshot ? { restore: snapshot as SessionSnapshot } : {}) }),
    input: (from) => batches(records, Number(from?.line ?? 0), options.stopAt),
    onFatal: (e) => {
      fatal = e;
    },
  });
  await w.start();
  await w.reading;
  if (options.crash) await w.abandon();
  else await w.stop();
  if (fatal) throw fatal;
}

type Stored = Awaited<ReturnType<HistoryStore['windows']>>[number];
const drift = (w: Stored) => w.detectors.find((d) => d.id === 'x-drift')!;

describe('fromHistory: a rolling reference from the history store', () => {
  it('starts cold, flags a shift, and stops flagging once the shifted traffic fills the range', async () => {
    const plan = await planOf('{ windows: 4, minRecords: 150, maxRecords: 2000, perWindow: 400 }');
    const store = await HistoryStore.open(join(dir, 'shift.duckdb'));
    // 10 stable windows, then the level moves up by 0.6 SD for good.
    const records = traffic(20, 300, (w) => (w >= 10 ? 0.6 : 0));
    await watch(store, plan, records);
    const windows = await store.windows('rolling');
    expect(windows).toHaveLength(20);
    const status = windows.map((w) => drift(w).status);

    // Window 0 has no history: not tested, and it says so (never a silent pass).
    expect(status[0]).toBe('warn');
    expect(drift(windows[0]!).message).toMatch(/not tested: the rolling reference "reference" \(fromHistory\) has no earlier window.*cold start/);
    expect(drift(windows[0]!).pValue).toBeNull();
    // From window 1 on it is tested against the earlier windows (300 records each, at most 4).
    expect(drift(windows[1]!).pValue).not.toBeNull();
    expect(status.slice(1, 10).filter((s) => s === 'fail').length).toBeLessThanOrEqual(1);
    // The shift is flagged where it starts, and while old traffic dominates the reference.
    expect(status[10]).toBe('fail');
    expect(status[11]).toBe('fail');
    // Windows 14+ compare against windows 10-13 onwards: all shifted, the baseline rolled.
    expect(status.slice(14).filter((s) => s === 'fail').length).toBeLessThanOrEqual(1);

    // The report says where each reference came from.
    const full = await store.windows('rolling');
    expect(full[5]!.records.reference).toBe(1200);
    expect(full[5]!.references!.reference).toMatchObject({ windows: 4, represented: 1200, sample: 1200, firstStart: new Date(T0 + MINUTE).toISOString() });
    expect(full[0]!.references!.reference!.coldStart).toMatch(/cold start/);
    expect(full[5]!.records.current).toBe(300);
    const counts = await store.sampleCounts('rolling');
    expect(counts).toEqual({ windows: 20, records: 20 * 300 });
    await store.close();
  });

  it('reports the reference provenance in the window report', async () => {
    const plan = await planOf('{ last: 3m, minRecords: 100, maxRecords: 500, perWindow: 200 }');
    const store = await HistoryStore.open(':memory:');
    const history = new HistoryReferences(store, 'rolling');
    const session = await Session.open(plan, { history });
    const reports: WindowReport[] = [];
    for await (const b of batches(traffic(6, 250, () => 0), 0)) reports.push(...await session.push(b));
    await store.commit('rolling', { windows: reports, samples: history.takePending() });
    await session.close();
    const w4 = reports[4]!;
    // Windows 1, 2 and 3 end within 3 minutes before window 4 starts: 750 records, 200 sampled each,
    // so the reference holds 500 (maxRecords), in proportion to each window's count.
    expect(w4.datasets.reference!.history).toMatchObject({
      windows: 3, represented: 750, sample: 500, excluded: 0,
      firstStart: new Date(T0 + MINUTE).toISOString(), lastEnd: new Date(T0 + 4 * MINUTE).toISOString(),
      from: new Date(T0 + MINUTE).toISOString(), to: new Date(T0 + 4 * MINUTE).toISOString(),
    });
    expect(w4.datasets.reference!.records).toBe(500);
    expect(w4.detectors[0]!.details).toMatchObject({ nReference: 500, nCurrent: 250 });
    // Window 1 sees only window 0: its 200 sampled records (of 250) are the whole reference.
    expect(reports[1]!.datasets.reference!.history).toMatchObject({ windows: 1, represented: 250, sample: 200 });
    await store.close();
  });

  it('exclude: [warn] does not keep the history cold (cold-start windows are judged without the untested detectors)', async () => {
    const plan = await planOf('{ windows: 2, minRecords: 100, exclude: [warn, fail] }');
    const store = await HistoryStore.open(':memory:');
    const history = new HistoryReferences(store, 'rolling');
    const session = await Session.open(plan, { history });
    const reports: WindowReport[] = [];
    for await (const b of batches(traffic(4, 150, () => 0), 0)) reports.push(...await session.push(b));
    await session.close();
    expect(reports[0]!.status).toBe('warn');
    expect(reports[1]!.detectors[0]!.pValue).not.toBeNull();
    expect(reports[1]!.datasets.reference!.history).toMatchObject({ windows: 1, excluded: 0 });
    await store.close();
  });

  it('keeps the false-alarm rate near alpha on stable traffic', async () => {
    const plan = await planOf('{ windows: 3, minRecords: 50, maxRecords: 300, perWindow: 150 }');
    const store = await HistoryStore.open(':memory:');
    const windows = 161;
    await watch(store, plan, traffic(windows, 100, () => 0, 99));
    const tested = (await store.windows('rolling')).slice(1).map(drift);
    expect(tested.every((d) => d.pValue !== null)).toBe(true);
    const alarms = tested.filter((d) => d.status === 'fail').length;
    // alpha 0.05 over 160 windows: 8 expected; consecutive references overlap, so allow a wide band.
    expect(alarms).toBeGreaterThanOrEqual(1);
    expect(alarms).toBeLessThanOrEqual(20);
    // p-values of a calibrated test are uniform: about half below 0.5.
    const below = tested.filter((d) => d.pValue! < 0.5).length / tested.length;
    expect(below).toBeGreaterThan(0.35);
    expect(below).toBeLessThan(0.65);
    await store.close();
  }, 60_000);

  it('gives the same results after a crash and restart as without (the baseline is in the history)', async () => {
    const plan = await planOf('{ last: 4m, minRecords: 100, exclude: [fail] }');
    const records = traffic(12, 200, (w) => (w >= 7 ? 0.5 : 0), 5);
    const whole = await HistoryStore.open(join(dir, 'whole.duckdb'));
    await watch(whole, plan, records);
    const crashed = await HistoryStore.open(join(dir, 'crashed.duckdb'));
    // Killed twice at arbitrary records (uncommitted steps are lost), then run to the end.
    await watch(crashed, plan, records, { stopAt: 1111, crash: true });
    await watch(crashed, plan, records, { stopAt: 1717, crash: true });
    await watch(crashed, plan, records);
    const strip = (ws: Stored[]) => ws.map((w) => ({ index: w.index, records: w.records, status: w.status, detectors: w.detectors.map(({ durationMs: _, ...d }) => d) }));
    const a = await whole.windows('rolling');
    expect(a).toHaveLength(12);
    expect(strip(await crashed.windows('rolling'))).toEqual(strip(a));
    // exclude: [fail]: failed windows never enter the baseline.
    const failed = a.filter((w) => w.status === 'fail').map((w) => w.index);
    expect(failed.length).toBeGreaterThan(0);
    await whole.close();
    await crashed.close();
  });

  it('vigia run with windows and store: draws from earlier runs, a repeated run counts each window once', async () => {
    const records = traffic(6, 200, (w) => (w === 5 ? 0.8 : 0), 3);
    const project = tempProject({
      'c.jsonl': records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      'run.yaml': [
        'version: 1', 'name: batch-rolling', 'data:', '  current: { use: jsonl, with: { path: ./c.jsonl } }',
        '  reference: { fromHistory: { windows: 3, minRecords: 100 } }', 'windows: { size: 1m }', 'store: { path: ./h.duckdb }',
        'detectors:', '  - { id: x-drift, use: feature-drift, with: { field: x, test: ks } }', '',
      ].join('\n'),
    });
    const run = async () => {
      let stdout = '';
      let stderr = '';
      const code = await main(['run', 'run.yaml', '--format', 'json'], { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stderrIsTTY: false, stdoutIsTTY: false, env: { ...process.env, NO_COLOR: '1' }, cwd: project });
      return { code, report: JSON.parse(stdout) as { windows: WindowReport[] }, stderr };
    };
    const first = await run();
    expect(first.code).toBe(1);
    const drifts = (r: { windows: WindowReport[] }) => r.windows.map((w) => w.detectors[0]!);
    const status = drifts(first.report).map((d) => d.status);
    expect(status[0]).toBe('warn');
    expect(status[5]).toBe('fail');
    expect(drifts(first.report).slice(1).every((d) => d.pValue !== null)).toBe(true);
    expect(first.report.windows[4]!.datasets.reference!.history).toMatchObject({ windows: 3, represented: 600, sample: 600 });
    // Again over the same file: the stored copies of windows 0-4 do not double the reference.
    const second = await run();
    expect(second.code).toBe(1);
    expect(second.report.windows[4]!.datasets.reference!.history).toMatchObject({ windows: 3, represented: 600, sample: 600 });
    const strip = (d: WindowReport['detectors'][number]) => ({ ...d, durationMs: 0 });
    expect(drifts(second.report).map(strip)).toEqual(drifts(first.report).map(strip));
    const store = await HistoryStore.open(join(project, 'h.duckdb'), { readOnly: true });
    expect(await store.sampleCounts('batch-rolling')).toEqual({ windows: 12, records: 12 * 200 });
    await store.close();
    rmSync(project, { recursive: true, force: true });
  });

  it('refuses configs it cannot honour, naming the config path', async () => {
    const base = (data: string, rest = 'windows: { size: 1m }\nstore: { path: ./h.duckdb }') => `version: 1\ndata:\n  current: { use: jsonl, with: { path: ./c.jsonl } }\n${data}\n${rest}\ndetectors:\n  - { use: feature-drift, with: { field: x } }\n`;
    const load = (text: string) => () => parseConfigText(text, { file: join(dir, 'bad.yaml') });
    expect(load(base('  reference: { fromHistory: { last: 7d } }', 'windows: { size: 1m }'))).toThrow(/bad\.yaml:\d+: \/data\/reference\/fromHistory reads the history store, but the config has no store:/);
    expect(load(base('  reference: { fromHistory: { last: 7d } }', 'store: { path: ./h.duckdb }'))).toThrow(/\/data\/reference\/fromHistory compares each window against earlier ones, but the config has no windows:/);
    expect(load(base('  reference: { fromHistory: { last: 7 days } }'))).toThrow(/\/data\/reference\/fromHistory\/last must match pattern/);
    expect(load(base('  reference: { fromHistory: { minRecords: 10 } }'))).toThrow(/needs last: <duration>.*or windows: <count>/);
    expect(load(base('  reference: { use: jsonl, fromHistory: { last: 1d } }'))).toThrow(/\/data\/reference has both fromHistory and use/);
    expect(load(base('  reference: { with: { path: x } }'))).toThrow(/\/data\/reference needs use: <source>/);
    expect(load(base('  reference: { fromHistory: { last: 1d } }', 'windows: { size: 1m, every: 30s }\nstore: { path: ./h.duckdb }'))).toThrow(/\/windows\/every makes windows overlap/);
    expect(load(`version: 1\ndata:\n  current: { fromHistory: { last: 1d } }\nwindows: { size: 1m }\nstore: { path: ./h.duckdb }\n`)).toThrow(/\/data\/current is the windowed dataset/);
    expect(load(base('  reference: { fromHistory: { last: 1d } }\n  other: { fromHistory: { windows: 3 } }', 'windows: { size: 1m }\nstore: { path: ./h.duckdb }\nmetrics:\n  - { use: latency, dataset: other }'))).toThrow(/\/metrics\/0\/dataset names dataset "other", which is a rolling reference/);
    // A session cannot be opened without a store to read.
    const plan = await planOf('{ last: 1d }');
    await expect(Session.open(plan)).rejects.toThrow(/reads the history store, but this session was opened without one/);
  });
});
