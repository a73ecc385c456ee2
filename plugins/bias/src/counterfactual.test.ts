import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, createRandom, mcnemarTest, wilcoxonSignedRank } from '@vigia/stats';
import type { Embedder } from '@vigia/core';
import { runDetector } from '@vigia/testing';
import { counterfactualBias, rankBiserialOfResample } from './counterfactual.js';

type Details = { comparisons: { group: string; versus: string; test: string; pValue: number; pValueAdjusted: number; difference: number; ci: [number, number]; effect?: { name: string; value: number; ci: [number, number] }; differs: boolean; tooSmall?: boolean; sets: number; examples: { set: string; difference: number }[]; mcnemar?: { b: number; c: number } }[]; differing: string[]; skipped: Record<string, number>; tooSmall: { group: string; sets: number }[] };

/** Sets of records, one per group, with a numeric score drawn with a per-group shift. */
function numericSets(seed: number, sets: number, shifts: Record<string, number>) {
  const random = createRandom(seed);
  const rows: Record<string, unknown>[] = [];
  for (let s = 0; s < sets; s++) {
    const base = random.normal();
    for (const [group, shift] of Object.entries(shifts)) rows.push({ set: `s${s}`, group, score: base + shift + 0.5 * random.normal(), response: `answer ${s} ${group}` });
  }
  return rows;
}

describe('counterfactual-bias', () => {
  it('pairs two groups set by set and runs the Wilcoxon signed-rank test on the differences', async () => {
    const rows = numericSets(1, 30, { Muslim: -0.8, Jewish: 0 });
    const r = await runDetector(counterfactualBias, { measure: 'field', field: 'score' }, { current: rows });
    const d = r.details as Details;
    const c = d.comparisons[0]!;
    expect(c).toMatchObject({ group: 'Jewish', versus: 'Muslim', test: 'wilcoxon', sets: 30 });
    const diffs = Array.from({ length: 30 }, (_, s) => (rows[2 * s + 1]!.score as number) - (rows[2 * s]!.score as number));
    expect(c.pValue).toBe(wilcoxonSignedRank(diffs).pValue);
    expect(c.difference).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / 30, 12);
    expect(c.ci[0]).toBeLessThan(c.difference);
    expect(c.ci[1]).toBeGreaterThan(c.difference);
    expect(c.effect!.name).toBe('rank-biserial');
    expect(r.status).toBe('fail');
    expect(d.differing).toEqual(['Jewish']);
    expect(c.examples).toHaveLength(3);
    expect(Math.abs(c.examples[0]!.difference)).toBe(Math.max(...diffs.map(Math.abs)));
  });

  it('computes a resample\'s rank-biserial exactly as the Wilcoxon routine does', () => {
    const random = createRandom(9);
    const d = Array.from({ length: 25 }, (_, i) => (i % 5 === 0 ? 0 : Math.round(random.normal() * 4) / 2));
    const f = rankBiserialOfResample(d);
    for (let r = 0; r < 20; r++) {
      const idx = Int32Array.from({ length: 25 }, () => random.int(25));
      expect(f(idx)).toBeCloseTo(wilcoxonSignedRank(Array.from(idx, (i) => d[i]!)).rankBiserial, 12);
    }
  });

  it('passes when the groups do not differ', async () => {
    const r = await runDetector(counterfactualBias, { measure: 'field', field: 'score', baseline: 'A' }, { current: numericSets(2, 40, { A: 0, B: 0 }) });
    expect(r.status).toBe('pass');
  });

  it('uses McNemar for refusals and reports the discordant counts', async () => {
    const rows: Record<string, unknown>[] = [];
    for (let s = 0; s < 30; s++) {
      rows.push({ set: s, group: 'man', response: s < 3 ? "I'm sorry, but I can't help with that." : 'Sure, here is a reference letter.' });
      rows.push({ set: s, group: 'woman', response: s < 14 ? 'I cannot assist with that request.' : 'Sure, here is a reference letter.' });
    }
    const r = await runDetector(counterfactualBias, { measure: 'refusal', baseline: 'man' }, { current: rows });
    const c = (r.details as Details).comparisons[0]!;
    // Sets 0–2: both refuse; 3–13: only the woman's prompt is refused → b = 11, c = 0.
    expect(c).toMatchObject({ test: 'mcnemar', mcnemar: { b: 11, c: 0 } });
    expect(c.pValue).toBe(mcnemarTest(11, 0).pValue);
    expect(c.effect).toMatchObject({ name: 'rate difference' });
    expect(c.effect!.value).toBeCloseTo(11 / 30, 12);
    expect(r.status).toBe('fail');
  });

  it('compares each of three or more groups with the rest of its set (block permutation) and adjusts with Benjamini–Hochberg', async () => {
    const rows = numericSets(3, 40, { a: 0, b: 0, c: 0.8, d: 0 });
    const r = await runDetector(counterfactualBias, { measure: 'field', field: 'score', permutations: 999 }, { current: rows });
    const d = r.details as Details;
    expect(d.comparisons.map((c) => c.versus)).toEqual(['rest of set', 'rest of set', 'rest of set', 'rest of set']);
    expect(d.comparisons.every((c) => c.test === 'block-permutation')).toBe(true);
    expect(d.comparisons.map((c) => c.pValueAdjusted)).toEqual(benjaminiHochberg(d.comparisons.map((c) => c.pValue)));
    expect(d.differing).toContain('c');
    expect(r.status).toBe('fail');
  });

  it('reports groups with too few paired sets instead of testing them', async () => {
    const rows = [...numericSets(4, 20, { A: 0, B: 0 }), ...numericSets(5, 3, { A: 0, C: 0 }).map((r) => ({ ...r, set: `x${String(r.set)}` }))];
    const r = await runDetector(counterfactualBias, { measure: 'field', field: 'score', baseline: 'A' }, { current: rows });
    expect((r.details as Details).tooSmall).toEqual([{ group: 'C', sets: 3 }]);
    expect(r.message).toContain('1 too small');
  });

  it('scores sentiment offline with VADER and length in words', async () => {
    const rows: Record<string, unknown>[] = [];
    for (let s = 0; s < 12; s++) {
      rows.push({ set: s, group: 'x', response: 'They are a wonderful, kind and brilliant neighbour.' });
      rows.push({ set: s, group: 'y', response: `They are a dangerous and terrible neighbour number ${s}.` });
    }
    const sentiment = await runDetector(counterfactualBias, { measure: 'sentiment', minSets: 5 }, { current: rows });
    const c = (sentiment.details as Details).comparisons[0]!;
    expect(c.difference).toBeLessThan(-1);
    expect(c.pValue).toBeCloseTo(2 / 4096, 12);
    const length = await runDetector(counterfactualBias, { measure: 'length', minSets: 5 }, { current: rows });
    expect((length.details as Details).comparisons[0]!.difference).toBe(1);
  });

  it('measures embedding distance to the set\'s other responses with the run\'s embedder', async () => {
    // A toy embedder: the vector of a response is [1, 0] unless it mentions "odd".
    const embedder: Embedder = { id: 'toy', embed: async (texts) => texts.map((t) => Float32Array.from(t.includes('odd') ? [0, 1] : [1, 0.1])) };
    const rows: Record<string, unknown>[] = [];
    for (let s = 0; s < 15; s++) for (const g of ['a', 'b', 'c']) rows.push({ set: s, group: g, response: g === 'c' && s % 3 !== 0 ? 'an odd answer' : 'a usual answer' });
    const r = await runDetector(counterfactualBias, { measure: 'embedding', permutations: 999 }, { current: rows }, { embedder });
    const d = r.details as Details;
    // The odd member is the most significant, further from its set than the rest; the others are
    // then closer than their rest (which contains it), so they differ with the opposite sign.
    expect(d.differing[0]).toBe('c');
    const byGroup = Object.fromEntries(d.comparisons.map((c) => [c.group, c.difference]));
    expect(byGroup.c).toBeGreaterThan(0);
    expect(byGroup.a).toBeLessThan(0);
    const pairs = rows.filter((x) => x.group !== 'c');
    expect(await runDetector(counterfactualBias, { measure: 'embedding' }, { current: pairs }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/sets need at least 3 groups/) });
  });

  it('counts records without a set, group or response, and explains what is missing', async () => {
    const rows = [...numericSets(6, 12, { A: 0, B: 0 }), { group: 'A', score: 1 }, { set: 'z', score: 2 }];
    const r = await runDetector(counterfactualBias, { measure: 'field', field: 'score' }, { current: rows });
    expect((r.details as Details).skipped).toMatchObject({ missingSet: 1, missingGroup: 1 });
    expect(await runDetector(counterfactualBias, { setField: 'pair_id' }, { current: rows })).toMatchObject({ status: 'error', message: expect.stringContaining('no record has field "pair_id" (setField)') });
    expect(await runDetector(counterfactualBias, { measure: 'field', field: 'score', baseline: 'Z' }, { current: rows })).toMatchObject({ status: 'error', message: expect.stringContaining('baseline group "Z" does not occur') });
    expect(await runDetector(counterfactualBias, { measure: 'field', field: 'score', minSets: 50 }, { current: rows })).toMatchObject({ status: 'error', message: expect.stringMatching(/no group has 50 or more sets/) });
    expect(await runDetector(counterfactualBias, { measure: 'field' }, { current: rows })).toMatchObject({ status: 'error', message: expect.stringContaining('measure `field` needs `field`') });
  });
});
