// Tests of the NAB scoring harness (bench/nab/scorer.mjs) against hand computations and the
// cases of NAB's own tests (tests/unit/scorer_test.py, true_positive_test.py, false_*_test.py).
import { describe, expect, it } from 'vitest';
import {
  PROFILES, calcSweepScore, nabScore, probationaryLength, scaledSigmoid, scoreDataSet,
} from '../../../bench/nab/scorer.mjs';

const unit = { tpWeight: 1, fnWeight: 1, fpWeight: 1, tnWeight: 1 };
const step = 5 * 60_000;
const stamps = (n: number) => Float64Array.from({ length: n }, (_, i) => 1_400_000_000_000 + i * step);
/** NAB test_helpers.generateWindows: evenly spaced windows of `size` rows. */
function windowsFor(ts: Float64Array, count: number, size: number): [number, number][] {
  const gap = Math.round((ts.length - count * size) / (count + 1));
  return Array.from({ length: count }, (_, i) => {
    const a = gap * (i + 1) + size * i;
    return [ts[a]!, ts[a + size - 1]!] as [number, number];
  });
}
const scoresWith = (n: number, hits: number[]) => {
  const s = new Float64Array(n);
  for (const h of hits) s[h] = 1;
  return s;
};

describe('NAB scorer harness', () => {
  it('scaled sigmoid matches the documented points', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(3.5)).toBe(-1);
  });

  it('probationary length is min(floor(0.15 n), 750)', () => {
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(22695)).toBe(750);
  });

  it('scores a hand-computed case: TP at the window start, a second TP, an FP 3 rows after, one missed window', () => {
    const ts = stamps(100);
    const windows = windowsFor(ts, 2, 5); // rows 30..34 and 65..69
    const row = scoreDataSet(ts, scoresWith(100, [30, 31, 37]), windows, unit, 0.5, 0);
    // TP: scaledSigmoid(-(34-30+1)/5) / scaledSigmoid(-1) = 1; FP: scaledSigmoid(|34-37|/(5-1)); FN: -1.
    const hand = 1 + (2 / (1 + Math.exp(5 * 0.75)) - 1) - 1;
    expect(row.score).toBeCloseTo(hand, 12);
    expect(row.score).toBeCloseTo(-0.954, 3); // NAB's testScoringAllMetrics
    expect([row.tn, row.tp, row.fp, row.fn]).toEqual([89, 2, 1, 8]);
  });

  it('only the first detection in a window counts, and earlier is better', () => {
    const ts = stamps(10);
    const windows = windowsFor(ts, 1, 2);
    const first = scoreDataSet(ts, scoresWith(10, [4]), windows, unit, 0.5, 0);
    const both = scoreDataSet(ts, scoresWith(10, [4, 5]), windows, unit, 0.5, 0);
    const late = scoreDataSet(ts, scoresWith(10, [5]), windows, unit, 0.5, 0);
    expect(first.score).toBe(1);
    expect(both.score).toBe(first.score);
    expect(late.score).toBeLessThan(first.score);
  });

  it('probationary rows are neither TP nor FP', () => {
    const ts = stamps(100);
    const list = calcSweepScore(ts, new Float64Array(100), [], unit);
    expect(Array.from(list.windowId.slice(0, 15)).every((w) => w === -2)).toBe(true);
    expect(list.windowId[15]).toBe(-1);
    expect(scoreDataSet(ts, scoresWith(100, [3]), [], unit, 0.5).fp).toBe(0);
  });

  it('normalises the perfect detector to 100 and the null detector to 0 in every profile', () => {
    const corpus = [0, 1, 2].map((f) => {
      const ts = stamps(400 + 100 * f);
      return { name: `f${f}`, timestamps: ts, windows: windowsFor(ts, f + 1, 20) };
    });
    const perfect = corpus.map((c) => {
      const s = new Float64Array(c.timestamps.length);
      for (const [a] of c.windows) s[c.timestamps.indexOf(a)] = 1;
      return s;
    });
    const nul = corpus.map((c) => new Float64Array(c.timestamps.length).fill(0.5));
    for (const r of Object.values(nabScore(corpus, perfect))) expect(r.score).toBeCloseTo(100, 10);
    for (const r of Object.values(nabScore(corpus, nul))) expect(r.score).toBeCloseTo(0, 10);
    // a detector that finds the second window only, at its start, with one early FP: hand-computed
    const some = corpus.map((c) => new Float64Array(c.timestamps.length));
    some[1]![some[1]!.length - 1] = 0; // keep lengths
    const w = corpus[1]!.windows[1]!;
    some[1]![corpus[1]!.timestamps.indexOf(w[0])] = 0.9;
    some[0]![100] = 0.9; // before file 0's only window (rows 190..209): FP weighted -1 * fpWeight
    const r = nabScore(corpus, some, { standard: PROFILES.standard }).standard!;
    expect(r.threshold).toBe(0.9);
    expect(r.raw).toBeCloseTo(1 - 0.11 - 5, 12); // one TP, one FP, five missed windows
    expect(r.score).toBeCloseTo((100 * (r.raw + 6)) / (6 + 6), 10);
  });
});
