import { describe, expect, it } from 'vitest';
import { allocate, chooseWindows, decodeSampleRecord, encodeSampleRecord, sampleRecords, type HistoryCandidate, type PlannedHistory } from './history.js';
import { createRng } from './services.js';

const history = (spec: Partial<PlannedHistory['spec']> = {}, lastMs?: number): PlannedHistory => ({
  id: 'reference', path: '/data/reference/fromHistory', ...(lastMs !== undefined ? { lastMs } : {}),
  spec: { minRecords: 1, maxRecords: 1000, perWindow: 100, exclude: [], ...spec },
});
const cand = (i: number, extra: Partial<HistoryCandidate> = {}): HistoryCandidate => ({
  key: String(i), index: i, startMs: i * 10, endMs: (i + 1) * 10, writtenMs: 1000 + i, status: 'pass', partial: false, records: 100, sampled: 50, ...extra,
});

describe('rolling reference helpers', () => {
  it('sampleRecords draws without replacement, uniformly', () => {
    const rng = createRng(3);
    const hits = new Array(10).fill(0);
    for (let t = 0; t < 4000; t++) {
      const s = sampleRecords([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, rng);
      expect(new Set(s).size).toBe(3);
      for (const v of s) hits[v]++;
    }
    // 1,200 expected per value; binomial SD ≈ 29.
    for (const h of hits) expect(Math.abs(h - 1200)).toBeLessThan(150);
    expect(sampleRecords([1, 2, 3], 10, rng).sort()).toEqual([1, 2, 3]);
  });

  it('chooseWindows: range on window ends, never the evaluated window, exclude, latest per span, windows limit', () => {
    const all = [cand(0), cand(1, { status: 'fail' }), cand(2), cand(3), cand(4)];
    // anchor 40 = window 4's start, last 25: windows ending in (15, 40] → 1, 2, 3 (never 4, the evaluated one).
    expect(chooseWindows(all, { history: history({}, 25), anchorMs: 40 }).chosen.map((c) => c.index)).toEqual([1, 2, 3]);
    expect(chooseWindows(all, { history: history({ exclude: ['fail'] }, 25), anchorMs: 40 })).toMatchObject({ excluded: 1 });
    expect(chooseWindows(all, { history: history({ windows: 2 }), anchorMs: 40 }).chosen.map((c) => c.index)).toEqual([2, 3]);
    // A re-run stored window 2's span again: the later write counts, once.
    const rerun = [...all, cand(2, { key: 'again', writtenMs: 5000 })];
    expect(chooseWindows(rerun, { history: history(), anchorMs: 40 }).chosen.map((c) => c.key)).toEqual(['0', '1', 'again', '3']);
  });

  it('allocate: proportional to record counts, within each sample, summing to the size', () => {
    const rng = createRng(5);
    const windows = [{ records: 1000, sampled: 100 }, { records: 3000, sampled: 100 }, { records: 10, sampled: 10 }];
    const { size, takes } = allocate(windows, 10_000, rng);
    // The busiest window limits the size: 100 sampled of 3000 of 4010 → at most 133.
    expect(size).toBe(133);
    expect(takes.reduce((a, t) => a + t.take, 0)).toBe(133);
    for (const [i, t] of takes.entries()) expect(t.take).toBeLessThanOrEqual(windows[i]!.sampled);
    // Over many draws each window's share is right in expectation.
    const mean = [0, 0, 0];
    for (let k = 0; k < 2000; k++) allocate(windows, 100, rng).takes.forEach((t, i) => (mean[i] += t.take / 2000));
    expect(mean[0]).toBeCloseTo((100 * 1000) / 4010, 1);
    expect(mean[1]).toBeCloseTo((100 * 3000) / 4010, 1);
    expect(mean[2]).toBeCloseTo((100 * 10) / 4010, 1);
    expect(allocate([], 10, rng)).toEqual({ size: 0, takes: [] });
  });

  it('stores vectors as float32 and everything else as JSON', () => {
    const v = Array.from({ length: 32 }, (_, i) => Math.sin(i));
    const r = decodeSampleRecord(encodeSampleRecord({ text: 'hi', short: [0.1, 0.2], v, nested: { e: v } }));
    expect(r.text).toBe('hi');
    expect(r.short).toEqual([0.1, 0.2]);
    expect((r.v as number[]).map((x, i) => Math.abs(x - v[i]!)).every((d) => d < 1e-7)).toBe(true);
    expect((r.nested as { e: number[] }).e).toHaveLength(32);
    expect(encodeSampleRecord({ v }).length).toBeLessThan(JSON.stringify({ v }).length / 2);
  });
});
