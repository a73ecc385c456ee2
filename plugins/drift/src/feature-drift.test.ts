import { describe, expect, it } from 'vitest';
import { ConfigError } from '@vigia/core';
import { createRandom, ks2Samp, wasserstein1, stdPopulation, chiSquareTest } from '@vigia/stats';
import { runDetector } from '@vigia/testing';
import { featureDrift, fmtP } from './feature-drift.js';

const rng = createRandom(7);
const normals = (n: number, shift = 0) => Array.from({ length: n }, () => ({ latency_ms: 200 + 40 * (rng.normal() + shift) }));
const cats = (n: number, probs: Record<string, number>) =>
  Array.from({ length: n }, () => {
    let u = rng.next();
    for (const [k, p] of Object.entries(probs)) {
      if ((u -= p) < 0) return { attributes: { intent: k } };
    }
    return { attributes: { intent: Object.keys(probs).at(-1)! } };
  });

describe('feature-drift on numbers', () => {
  const reference = normals(500);
  const same = normals(500);
  const shifted = normals(500, 0.5);

  it('defaults to KS for n ≤ 1000, equal to ks2Samp, and fails on a shift', async () => {
    const r = await runDetector(featureDrift, { field: 'latency_ms' }, { reference, current: shifted });
    const expected = ks2Samp(reference.map((x) => x.latency_ms), shifted.map((x) => x.latency_ms));
    expect(r.status).toBe('fail');
    expect(r.statistic).toBe(expected.statistic);
    expect(r.pValue).toBe(expected.pValue);
    expect(r.threshold).toBe(0.05);
    expect(r.test).toEqual({ alpha: 0.05, effectSize: r.details!.effectSize, minEffect: null });
    expect(r.message).toMatch(/^latency_ms: median \d+ → \d+ ms \(\+\d+ %\), p95 \d+ → \d+ ms \(\+[\d.]+ %\); KS D=0\.\d+, p=\d\.\de-\d+ \(n=500 vs 500\)$/);
    expect(r.details).toMatchObject({ test: 'ks', type: 'numeric', nReference: 500, nCurrent: 500, missingReference: 0, effectSizeName: 'wasserstein_normalized', method: 'exact' });
    const d = r.details as { reference: { mean: number; quantiles: Record<string, number> }; current: { mean: number } };
    expect(d.current.mean - d.reference.mean).toBeGreaterThan(10);
    expect(Object.keys(d.reference.quantiles)).toEqual(['p05', 'p25', 'p50', 'p75', 'p95']);
  });

  it('passes on the same distribution', async () => {
    const r = await runDetector(featureDrift, { field: 'latency_ms' }, { reference, current: same });
    expect(r.status).toBe('pass');
    expect(r.pValue!).toBeGreaterThan(0.05);
  });

  it('warns instead of failing when the effect is below minEffect', async () => {
    const r = await runDetector(featureDrift, { field: 'latency_ms', minEffect: 5 }, { reference, current: shifted });
    expect(r.status).toBe('warn');
    expect(r.test!.minEffect).toBe(5);
  });

  it('defaults to normalised Wasserstein above 1000 values, threshold 0.1', async () => {
    const big = normals(1500);
    const bigShift = normals(1200, 0.3);
    const r = await runDetector(featureDrift, { field: 'latency_ms' }, { reference: big, current: bigShift });
    const a = big.map((x) => x.latency_ms);
    const b = bigShift.map((x) => x.latency_ms);
    expect(r.details!.test).toBe('wasserstein');
    expect(r.pValue).toBeNull();
    expect(r.test).toBeUndefined();
    expect(r.threshold).toBe(0.1);
    expect(r.statistic!).toBeCloseTo(wasserstein1(a, b) / stdPopulation(a), 12);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^latency_ms: median .*; W\/sd=0\.\d+ > 0\.1 \(n=1500 vs 1200\)$/);
  });

  it.each(['cvm', 'energy', 'psi', 'jensenshannon'] as const)('runs %s', async (test) => {
    const r = await runDetector(featureDrift, { field: 'latency_ms', test, bins: 8 }, { reference, current: shifted });
    expect(r.details!.test).toBe(test);
    expect(r.status).toBe('fail');
    expect(Number.isFinite(r.statistic)).toBe(true);
  });

  it('counts missing values and reads numeric strings', async () => {
    const ref = [...reference.slice(0, 100), { latency_ms: null }, {}];
    const cur = [...shifted.slice(0, 99).map((x) => ({ latency_ms: String(x.latency_ms) })), { other: 1 }];
    const r = await runDetector(featureDrift, { field: 'latency_ms' }, { reference: ref, current: cur });
    expect(r.details).toMatchObject({ type: 'numeric', nReference: 100, nCurrent: 99, missingReference: 2, missingCurrent: 1 });
  });
});

describe('feature-drift on categories', () => {
  const reference = cats(600, { search: 0.5, chat: 0.3, code: 0.2 });
  const shifted = cats(400, { search: 0.3, chat: 0.3, code: 0.2, image: 0.2 });

  it('detects categories and defaults to chi-square, counting categories unseen in the reference', async () => {
    const r = await runDetector(featureDrift, { field: 'attributes.intent' }, { reference, current: shifted });
    expect(r.status).toBe('fail');
    expect(r.details).toMatchObject({ test: 'chi2', type: 'categorical', effectSizeName: 'tvd', unseenInReference: ['image'], dof: 3 });
    const count = (rows: typeof reference, k: string) => rows.filter((x) => x.attributes.intent === k).length;
    const ks = ['search', 'chat', 'code', 'image'];
    const expected = chiSquareTest(ks.map((k) => count(reference, k)), ks.map((k) => count(shifted, k)));
    expect(r.statistic).toBeCloseTo(expected.statistic, 9);
    expect(r.message).toMatch(/^attributes\.intent: "image" new, 0 % → \d+ %, .*; chi2=[\d.]+, p=.* \(n=600 vs 400\)$/);
    const shares = (r.details!.current as { shares: Record<string, number> }).shares;
    expect(shares.image).toBeCloseTo(count(shifted, 'image') / 400, 12);
  });

  it('passes on the same mix with tvd and jensenshannon', async () => {
    const same = cats(600, { search: 0.5, chat: 0.3, code: 0.2 });
    for (const test of ['tvd', 'jensenshannon', 'psi'] as const) {
      const r = await runDetector(featureDrift, { field: 'attributes.intent', test }, { reference, current: same });
      expect(r.status).toBe('pass');
      expect(r.pValue).toBeNull();
    }
  });
});

describe('feature-drift errors', () => {
  it('needs a reference dataset', async () => {
    const p = runDetector(featureDrift, { field: 'x' }, { current: [{ x: 1 }] });
    expect((await p).status).toBe('error'); // a run reports it as this detector's error
    expect((await p).message).toMatch(/feature-drift "test" needs a reference dataset/);
  });
  it('names the datasets when the field is missing everywhere', async () => {
    const p = runDetector(featureDrift, { field: 'latncy_ms' }, { reference: [{ latency_ms: 1 }], current: [{ latency_ms: 2 }] });
    expect((await p).status).toBe('error'); // a run reports it as this detector's error
    expect((await p).message).toMatch(/field "latncy_ms" is missing in every record of dataset "reference".*dataset "current"/);
  });
  it('rejects non-numeric values in a numeric test, naming dataset and record', async () => {
    const p = runDetector(featureDrift, { field: 'x', test: 'ks' }, { reference: [{ x: 1 }, { x: 2 }], current: [{ x: 3 }, { x: 'slow' }] });
    expect((await p).status).toBe('error'); // a run reports it as this detector's error
    expect((await p).message).toMatch(/dataset "current".*record 2: field "x" is "slow".*needs numbers/);
  });
  it('rejects an empty dataset, naming it', async () => {
    const p = runDetector(featureDrift, { field: 'x' }, { reference: [{ x: 1 }], current: [] });
    expect((await p).status).toBe('error'); // a run reports it as this detector's error
    expect((await p).message).toMatch(/dataset "current".*is empty/);
    expect(await runDetector(featureDrift, { field: 'x', test: 'ks' }, { reference: [], current: [{ x: 1 }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "reference".*is empty/) });
  });
  it('rejects a test that contradicts the type, and unknown options', async () => {
    expect(await runDetector(featureDrift, { field: 'x', test: 'ks', type: 'categorical' }, { current: [] })).toMatchObject({ status: 'error', message: expect.stringMatching(/needs numbers but type is categorical/) });
    await expect(runDetector(featureDrift, { field: 'x', tset: 'ks' }, { current: [] })).rejects.toThrow(/tset is not a known option/);
    await expect(runDetector(featureDrift, { field: 'x', test: 'anova' }, { current: [] })).rejects.toThrow(/must be one of/);
  });
});

describe('feature-drift: types, thresholds and sample sizes (issue 7)', () => {
  const rngT = createRandom(11);
  const latencies = (n: number, shift = 0) => Array.from({ length: n }, () => ({ latency_ms: Math.round(400 + 80 * rngT.normal() + shift) }));

  it('a numeric field with some "652.3ms" strings is a data error naming counts and records, not 3,000 categories', async () => {
    const reference = latencies(300);
    const current = latencies(300).map((r, i) => (i % 10 === 3 ? { latency_ms: `${r.latency_ms}.3ms` } : r));
    // A data error is this detector's error result, which makes a run exit 3.
    expect(await runDetector(featureDrift, { field: 'latency_ms' }, { reference, current })).toMatchObject({ status: 'error', message: expect.stringMatching(/field "latency_ms" mixes numbers \(570 values\) with non-numeric values \(30, e\.g\. dataset "current" record 4: "\d+\.3ms"/) });
  });

  it('onInvalid: skip leaves the non-numbers out and counts them; type: numeric forces the type', async () => {
    const reference = latencies(300);
    const current = latencies(300, 150).map((r, i) => (i % 10 === 3 ? { latency_ms: `${r.latency_ms}.3ms` } : r));
    const skipped = await runDetector(featureDrift, { field: 'latency_ms', onInvalid: 'skip' }, { reference, current });
    expect(skipped.details).toMatchObject({ type: 'numeric', test: 'ks', nCurrent: 270, invalidCurrent: 30, invalidReference: 0 });
    expect(skipped.status).toBe('fail');
    expect(skipped.message).toMatch(/skipped 30 non-numeric values \(reference 0, current 30, e\.g\. record 4: field "latency_ms" is "\d+\.3ms"\)/);
    const forced = await runDetector(featureDrift, { field: 'latency_ms', type: 'numeric' }, { reference, current });
    expect(forced).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*30 of 300 values of "latency_ms" are not numbers \(record 4/) });
    const categorical = await runDetector(featureDrift, { field: 'latency_ms', type: 'categorical', test: 'tvd' }, { reference, current });
    expect(categorical.details!.type).toBe('categorical');
  });

  it('alpha lives in (0, 1): threshold 5 with ks is refused at validation, naming the option', async () => {
    const p = runDetector(featureDrift, { field: 'x', test: 'ks', threshold: 5 }, { current: [] });
    await expect(p).rejects.toThrow(ConfigError);
    await expect(p).rejects.toThrow(/\/with\/threshold must be < 1: for ks, chi2 and cvm the threshold is the significance level alpha, which lies in \(0, 1\)/);
    await expect(runDetector(featureDrift, { field: 'x', alpha: 1.5 }, { current: [] })).rejects.toThrow(/\/with\/alpha must be < 1/);
    // A distance threshold above 1 stays valid.
    await expect(runDetector(featureDrift, { field: 'latency_ms', test: 'wasserstein', threshold: 2 }, { reference: latencies(50), current: latencies(50) })).resolves.toMatchObject({ threshold: 2 });
  });

  it('a threshold without test is ambiguous (the default test switches at 1,000 values) and refused', async () => {
    const p = runDetector(featureDrift, { field: 'latency_ms', threshold: 0.01 }, { current: [] });
    await expect(p).rejects.toThrow(ConfigError);
    await expect(p).rejects.toThrow(/must have property test when property threshold is present: threshold means the significance level alpha .* use alpha: .* maxDistance:/);
  });

  it('alpha and maxDistance keep their meaning whichever default test runs', async () => {
    const small = await runDetector(featureDrift, { field: 'latency_ms', alpha: 0.01, maxDistance: 0.5 }, { reference: latencies(500), current: latencies(500, 20) });
    expect(small.details!.test).toBe('ks');
    expect(small.threshold).toBe(0.01);
    const big = await runDetector(featureDrift, { field: 'latency_ms', alpha: 0.01, maxDistance: 0.5 }, { reference: latencies(1500), current: latencies(1500, 20) });
    expect(big.details!.test).toBe('wasserstein');
    expect(big.threshold).toBe(0.5);
    expect(big.status).toBe('pass');
  });

  it('below the documented minimum sample the result warns naming the counts (no silent pass, no W/sd=5e5)', async () => {
    const one = [{ latency_ms: 400, attributes: { intent: 'a' } }];
    const many = latencies(200).map((r, i) => ({ ...r, attributes: { intent: i % 2 ? 'a' : 'b' } }));
    for (const [options, pattern] of [
      [{ field: 'latency_ms' }, /latency_ms: not tested: ks needs at least 5 values per side, got 1 in reference and 200 in current/],
      [{ field: 'attributes.intent' }, /not tested: chi2 needs at least 5 values per side, got 1 in reference/],
      [{ field: 'latency_ms', test: 'wasserstein' }, /not tested: wasserstein needs at least 10 values per side, got 1 in reference/],
    ] as const) {
      const r = await runDetector(featureDrift, options, { reference: one, current: many });
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(pattern);
      expect(r.pValue).toBeNull();
    }
  });

  it('a constant reference is scaled by the pooled spread, not by 0.001', async () => {
    const constant = Array.from({ length: 50 }, () => ({ latency_ms: 400 }));
    const r = await runDetector(featureDrift, { field: 'latency_ms', test: 'wasserstein' }, { reference: constant, current: latencies(50) });
    expect(r.statistic!).toBeLessThan(10);
  });

  it('statistic in the message equals the table format; tiny p-values print as a bound', async () => {
    const reference = cats(600, { search: 0.5, chat: 0.3, code: 0.2 });
    const shifted = cats(600, { search: 0.1, chat: 0.3, code: 0.2, image: 0.4 });
    const r = await runDetector(featureDrift, { field: 'attributes.intent' }, { reference, current: shifted });
    expect(r.message).toContain(`chi2=${Number(r.statistic!.toPrecision(4))},`);
    expect(fmtP(2.8e-149)).toBe('p<1e-100');
    expect(fmtP(0.0123)).toBe('p=0.012');
    expect(r.message).toMatch(/^attributes\.intent: "image" new, 0 % → \d+ %, "search" \d+ % → [\d.]+ %/);
  });
});
