import { describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { normalCdf } from '../univariate/special.js';
import { ReferenceLevel, normalQuantile, pToScore, scoreToP } from './level.js';

describe('anomaly score scale', () => {
  it('maps p = 1e-4 to 0.9 and back, monotonically', () => {
    expect(pToScore(1e-4)).toBeCloseTo(0.9, 12);
    expect(pToScore(1e-2)).toBeCloseTo(2 / (2 + 4 / 9), 12);
    expect(pToScore(1)).toBe(0);
    expect(pToScore(0)).toBeLessThan(1);
    for (const p of [0.5, 1e-3, 1e-6, 1e-12]) expect(scoreToP(pToScore(p)) / p).toBeCloseTo(1, 9);
    expect(pToScore(1e-5)).toBeGreaterThan(pToScore(1e-4));
  });

  it('inverts the normal cdf', () => {
    for (const p of [1e-12, 1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 6);
  });
});

describe('ReferenceLevel', () => {
  const lognormal = (rng: ReturnType<typeof createRandom>, median: number) => median * Math.exp(0.5 * rng.normal());

  it('keeps the per-point false-alarm rate at 0.9 near or below 1 in 10,000 on data like the reference', () => {
    const rng = createRandom(5);
    let alarms = 0;
    const n = 100_000;
    for (let rep = 0; rep < 5; rep++) {
      const level = new ReferenceLevel(Array.from({ length: 2000 }, () => lognormal(rng, 400)));
      for (let i = 0; i < n / 5; i++) {
        level.update(lognormal(rng, 400));
        if (pToScore(Math.min(level.lastPointP, level.lastShiftP) * 2) >= 0.9) alarms++;
      }
    }
    expect(alarms / n).toBeLessThan(3e-4);
  });

  it('scores every point of a sustained x4 shift (after a few points) and clears after it', () => {
    const rng = createRandom(6);
    const level = new ReferenceLevel(Array.from({ length: 2000 }, () => lognormal(rng, 400)));
    const scores: number[] = [];
    for (let i = 0; i < 300; i++) {
      const v = lognormal(rng, i >= 100 && i < 200 ? 1600 : 400);
      level.update(v);
      scores.push(pToScore(2 * Math.min(level.lastPointP, level.lastShiftP)));
    }
    const inside = scores.slice(110, 200).filter((s) => s >= 0.9).length;
    expect(inside / 90).toBeGreaterThan(0.75);
    expect(scores.slice(0, 100).every((s) => s < 0.9)).toBe(true);
    expect(scores.slice(215).every((s) => s < 0.9)).toBe(true);
    const [up, down] = level.cusum;
    expect(up).toBeLessThan(3);
    expect(down).toBe(0);
  });

  it('flags a value far beyond the reference on its own, both ways, and fits logs only for positive data', () => {
    const rng = createRandom(7);
    const ref = Array.from({ length: 1000 }, () => lognormal(rng, 400));
    const level = new ReferenceLevel(ref);
    expect(level.logScale).toBe(true);
    level.update(400 * 20);
    expect(level.lastPointP).toBeLessThan(1e-5);
    level.update(400 / 20);
    expect(level.lastPointP).toBeLessThan(1e-5);
    level.update(400);
    expect(level.lastPointP).toBeGreaterThan(0.5);
    expect(new ReferenceLevel(ref.map((x) => x - 400)).logScale).toBe(false);
  });

  it('inflates the CUSUM variance for an autocorrelated reference', () => {
    const rng = createRandom(8);
    let x = 0;
    const ar = Array.from({ length: 3000 }, () => (x = 0.8 * x + rng.normal()));
    expect(new ReferenceLevel(ar).varianceFactor).toBeGreaterThan(3);
    expect(new ReferenceLevel(Array.from({ length: 3000 }, () => rng.normal())).varianceFactor).toBeLessThan(1.3);
  });

  it('needs 30 finite reference values', () => {
    expect(() => new ReferenceLevel([1, 2, 3])).toThrow(/at least 30/);
  });
});
