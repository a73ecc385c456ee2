import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { dumpState, loadState } from '../state.js';
import {
  DAY_MS, IsolationForest, MAD_TO_SIGMA, NoveltyScorer, RollingRobustZ, SeasonalBaseline, SortedWindow, detectPeriods,
} from './index.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n & 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

describe('SortedWindow', () => {
  it('keeps the rolling median and MAD equal to a brute-force computation', () => {
    const rng = createRandom(3);
    const w = new SortedWindow(37);
    const all: number[] = [];
    for (let i = 0; i < 400; i++) {
      const v = i % 50 === 0 ? 100 : Math.round(rng.normal() * 10) / 2; // ties on purpose
      w.push(v);
      all.push(v);
      const last = all.slice(-37);
      const m = median(last);
      expect(w.median()).toBeCloseTo(m, 12);
      expect(w.mad(m)).toBeCloseTo(median(last.map((x) => Math.abs(x - m))), 12);
    }
  });

  it('keeps exactly the sorted values of the last `capacity` pushes (ties, evictions on both sides)', () => {
    const rng = createRandom(9);
    const w = new SortedWindow(25);
    const all: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = Math.round(rng.normal() * 6) + (i % 300 < 20 ? 40 : 0);
      w.push(v);
      all.push(v);
      expect(Array.from(w.toSortedArray())).toEqual(all.slice(-25).sort((a, b) => a - b));
    }
  });
});

describe('RollingRobustZ', () => {
  it('matches a hand computation of (x − median) / (1.4826 · MAD)', () => {
    const z = new RollingRobustZ({ window: 5, minPoints: 5 });
    for (const v of [1, 2, 3, 4, 100]) z.learn(v);
    // median 3; |deviations| 2,1,0,1,97 → MAD 1
    expect(z.z(10)).toBeCloseTo(7 / MAD_TO_SIGMA, 12);
    const s = z.update(10);
    expect(s).toBeCloseTo(z.lastZ / (z.lastZ + 1), 12);
    // the window now holds 2,3,4,100,10: median 4, deviations 2,1,0,96,6 → MAD 2
    expect(z.z(4)).toBe(0);
    expect(z.z(8)).toBeCloseTo(4 / (2 * MAD_TO_SIGMA), 12);
  });
});

describe('NoveltyScorer', () => {
  it('scores a new extreme ≥ 0.9 and damps a repeat right after it', () => {
    const rng = createRandom(5);
    const s = new NoveltyScorer({ window: 500, history: 1000, suppress: 50 });
    let maxNormal = 0;
    for (let i = 0; i < 600; i++) maxNormal = Math.max(maxNormal, i > 300 ? s.update(rng.normal()) : (s.learn(rng.normal()), 0));
    const spike = s.update(25);
    expect(spike).toBeGreaterThanOrEqual(0.9);
    expect(spike).toBeGreaterThan(maxNormal);
    s.update(0);
    expect(s.update(25)).toBeLessThan(0.9);
  });

  it('weights a deviation by how surprising the transition is after a learned pattern', () => {
    const pattern = [0, 1, 2, 3, 4, 5, 6, 7];
    const s = new NoveltyScorer({ window: 500, history: 1000 });
    for (let i = 0; i < 400; i++) s.learn(pattern[i % 8]!);
    s.update(pattern[400 % 8]!);
    expect(s.lastSurprise).toBe(0); // the pattern's next level was always this one
    s.update(7); // breaks the 0..7 ramp (expected 1): an unseen transition
    expect(s.lastSurprise).toBe(1);
    const off = new NoveltyScorer({ window: 500, history: 1000, context: 0 });
    for (let i = 0; i < 401; i++) off.learn(pattern[i % 8]!);
    off.update(7);
    expect(off.lastSurprise).toBe(0);
    expect(() => new NoveltyScorer({ levels: 0 })).toThrow(RangeError);
  });
});

describe('NoveltyScorer shape channel', () => {
  // A daily square wave (288 points a day, low 100 points, high 188) where day 12 misses its jump:
  // every value is normal, only the window's shape (low for too long) is new.
  const series = (): number[] => {
    const rng = createRandom(11);
    const xs: number[] = [];
    for (let i = 0; i < 14 * 288; i++) {
      const phase = i % 288;
      const high = phase >= 100 && Math.floor(i / 288) !== 12;
      xs.push((high ? 80 : 20) + rng.normal());
    }
    return xs;
  };
  const maxIn = (scores: number[], from: number, to: number) => Math.max(...scores.slice(from, to));

  it('ranks the window with a missing daily jump above every normal day, and is off with shapeSegments: 0', () => {
    const xs = series();
    const withShape = new NoveltyScorer();
    const without = new NoveltyScorer({ shapeSegments: 0 });
    const shapeScores: number[] = [];
    for (const x of xs) {
      withShape.update(x);
      without.update(x);
      shapeScores.push(withShape.lastShapeScore);
      expect(without.lastShapeScore).toBe(0);
    }
    const day12 = 12 * 288;
    // Every value and change of day 12 is normal; only the window's shape (low for too long) is new.
    expect(maxIn(shapeScores, day12, day12 + 288)).toBeGreaterThan(maxIn(shapeScores, 4 * 288, day12) + 0.005);
  });

  it('continues exactly after a restore: the search bound, recent maximum and sorted windows are caches rebuilt, not state', () => {
    const xs = series();
    // defaults (windows still filling at the cut), and small windows that are full and wrapped
    for (const options of [{}, { window: 300, history: 400 }]) {
      const whole = new NoveltyScorer(options);
      const first = new NoveltyScorer(options);
      const cut = 2000 + 37;
      const expected = xs.map((x) => whole.update(x));
      for (const x of xs.slice(0, cut)) first.update(x);
      const dump = JSON.parse(JSON.stringify(dumpState(first)));
      expect(JSON.stringify(dump)).not.toMatch(/storeSums|sumsFor|recentMax|"sorted"|blocks|nextDistance|lastSplit/);
      const restored = new NoveltyScorer(options);
      loadState(dump, restored);
      expect(xs.slice(cut).map((x) => restored.update(x))).toEqual(expected.slice(cut));
    }
  });

  it('rejects bad shape options', () => {
    expect(() => new NoveltyScorer({ shapeSegments: -1 })).toThrow(RangeError);
    expect(() => new NoveltyScorer({ shapeScales: [16, 0] })).toThrow(RangeError);
    expect(() => new NoveltyScorer({ shapeMargin: 0 })).toThrow(RangeError);
  });
});

describe('detectPeriods / SeasonalBaseline', () => {
  it('finds the daily period of a noisy hourly sine, and the baseline flags an off-phase value', () => {
    const rng = createRandom(7);
    const hour = 3_600_000;
    const t0 = Date.UTC(2024, 0, 1);
    const ts: number[] = [];
    const xs: number[] = [];
    for (let i = 0; i < 24 * 21; i++) {
      ts.push(t0 + i * hour);
      xs.push(10 * Math.sin((2 * Math.PI * i) / 24) + rng.normal());
    }
    const periods = detectPeriods(xs, ts);
    expect(periods[0]?.periodMs).toBe(DAY_MS);
    expect(periods[0]?.lag).toBe(24);
    expect(detectPeriods(xs.map(() => rng.normal()), ts)).toEqual([]);
    const b = new SeasonalBaseline({ periodMs: DAY_MS, stepMs: hour });
    for (let i = 0; i < xs.length; i++) b.learn(xs[i]!, ts[i]!);
    const peak = t0 + 6 * hour; // sin = +1 at hour 6
    expect(Math.abs(b.z(10, peak))).toBeLessThan(3);
    expect(b.update(-10, peak)).toBeGreaterThan(0.9);
  });
});

describe('IsolationForest', () => {
  it('separates an obvious outlier from a Gaussian cloud', () => {
    const rng = createRandom(11);
    const n = 1000;
    const d = 3;
    const data = new Float64Array((n + 1) * d);
    for (let i = 0; i < n * d; i++) data[i] = rng.normal();
    data.set([8, -8, 8], n * d);
    const forest = IsolationForest.fit(data, n + 1, d, { random: rng.next });
    const scores = forest.scoreAll(data, n + 1);
    const normal = Array.from(scores.subarray(0, n)).sort((a, b) => a - b);
    expect(scores[n]).toBeGreaterThan(0.65);
    expect(scores[n]).toBeGreaterThan(normal[n - 1]!);
    expect(normal[n >> 1]).toBeLessThan(0.5);
  });
});
