import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs scripts, shared with the benchmark
import { generatePiiSet, KINDS } from '../scripts/pii-synthetic.mjs';
// @ts-expect-error plain .mjs scripts, shared with the benchmark
import { scorePii } from '../scripts/pii-score.mjs';
import { piiCounts } from '../src/pii.js';

type Item = { text: string; counts: Record<string, number> };
type Score = Record<string, { precision: number; recall: number; support: number }>;

describe('PII on the labelled synthetic set (scripts/pii-synthetic.mjs)', () => {
  const items = (generatePiiSet as (n: number, seed: number) => Item[])(1200, 20261128);

  it('is at least 1,000 seeded texts with every kind and look-alike decoys', () => {
    expect(items.length).toBeGreaterThanOrEqual(1000);
    expect((generatePiiSet as (n: number, seed: number) => Item[])(1200, 20261128)).toEqual(items);
    for (const k of KINDS as string[]) expect(items.reduce((s, it) => s + it.counts[k]!, 0), k).toBeGreaterThan(150);
  });

  it('reaches precision and recall >= 0.95 for the checksummed kinds (>= 0.9 for the others)', () => {
    const score = (scorePii as (items: Item[], f: typeof piiCounts, kinds: readonly string[]) => Score)(items, piiCounts, KINDS as string[]);
    console.log(Object.entries(score).map(([k, s]) => `${k}: P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} (n=${s.support})`).join('\n'));
    for (const k of ['credit_card', 'iban', 'national_id']) {
      expect(score[k]!.precision, `${k} precision`).toBeGreaterThanOrEqual(0.95);
      expect(score[k]!.recall, `${k} recall`).toBeGreaterThanOrEqual(0.95);
    }
    for (const k of ['email', 'phone', 'ip', 'secret']) {
      expect(score[k]!.precision, `${k} precision`).toBeGreaterThanOrEqual(0.9);
      expect(score[k]!.recall, `${k} recall`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('scores a different seed just as well (the patterns are not fitted to one sample)', () => {
    const other = (generatePiiSet as (n: number, seed: number) => Item[])(1000, 7);
    const score = (scorePii as (items: Item[], f: typeof piiCounts, kinds: readonly string[]) => Score)(other, piiCounts, KINDS as string[]);
    for (const k of ['credit_card', 'iban', 'national_id']) expect(Math.min(score[k]!.precision, score[k]!.recall), k).toBeGreaterThanOrEqual(0.95);
  });
});
