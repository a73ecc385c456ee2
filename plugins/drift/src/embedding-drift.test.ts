import { describe, expect, it } from 'vitest';
import { packDatasets, unpackDatasets, type Dataset, type Embedder, type VigiaRecord } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { runDetector } from '@vigia/testing';
import { embeddingDrift } from './embedding-drift.js';

function vectors(n: number, d: number, seed: number, shift: (j: number) => number = () => 0): { v: number[] }[] {
  const r = createRandom(seed);
  // Distinct variances per dimension, so the reference's principal axes are the coordinate axes.
  return Array.from({ length: n }, () => ({ v: Array.from({ length: d }, (_, j) => r.normal() * (1 + 0.3 * (d - j)) + shift(j)) }));
}

/** A fake embedder: topic words light up fixed dimensions, plus a little seeded noise per text. */
const topicEmbedder: Embedder = {
  id: 'fake-topics',
  dimension: 6,
  async embed(texts) {
    return texts.map((t) => {
      const r = createRandom(t.length * 7919 + t.charCodeAt(0));
      const v = Float32Array.from({ length: 6 }, () => r.normal() * 0.3);
      if (t.includes('refund')) v[0] += 2;
      if (t.includes('password')) v[1] += 2;
      if (t.includes('crypto')) v[2] += 2;
      return v;
    });
  },
};

describe('embedding-drift', () => {
  for (const method of ['mmd', 'classifier', 'pca-ks', 'centroid'] as const) {
    it(`${method}: fails on a shifted sample and passes a null pair`, async () => {
      const ref = vectors(150, 8, 1, () => 1);
      const drifted = await runDetector(embeddingDrift, { field: 'v', method, seed: 3 }, { reference: ref, current: vectors(150, 8, 2, (j) => (j < 2 ? 3 : 1)) });
      expect(drifted.status).toBe('fail');
      expect(drifted.pValue!).toBeGreaterThan(0);
      expect(drifted.test?.alpha).toBe(0.05);
      const explanation = drifted.details!.explanation as { directions: { share: number; topDims: { dim: number }[] }[] };
      expect(explanation.directions[0]!.share).toBeGreaterThan(0.3);
      expect([0, 1]).toContain(explanation.directions[0]!.topDims[0]!.dim);
      const same = await runDetector(embeddingDrift, { field: 'v', method, seed: 3 }, { reference: ref, current: vectors(150, 8, 4, () => 1) });
      expect(same.status).toBe('pass');
    });
  }

  it('embeds a text field through the context embedder and shows examples along the moved direction', async () => {
    const topics = ['refund please', 'reset my password'];
    const reference = Array.from({ length: 80 }, (_, i) => ({ prompt: `${topics[i % 2]} #${i}` }));
    const current = Array.from({ length: 80 }, (_, i) => ({ prompt: i % 2 ? `buy crypto now #${i}` : `${topics[0]} #${i}` }));
    const r = await runDetector(embeddingDrift, { textField: 'prompt', seed: 1 }, { reference, current }, { embedder: topicEmbedder });
    expect(r.status).toBe('fail');
    const examples = (r.details!.explanation as { examples: { current: string[] }[] }).examples;
    expect(examples[0]!.current.some((t) => t.includes('crypto'))).toBe(true);
    // The message names what moved in the user's terms: texts that differ between the two sides.
    expect(r.message).toMatch(/; along the shift, \d+% of current texts lie beyond 95% of the reference: current texts like "buy crypto now #\d+", reference texts like "(refund please|reset my password) #\d+"/);
    expect(r.message).not.toMatch(/most of the mean shift/);
  });

  it('leaves the explanation out of the message when there are no texts to show', async () => {
    const r = await runDetector(embeddingDrift, { field: 'v', seed: 3 }, { reference: vectors(150, 8, 1), current: vectors(150, 8, 2, () => 1.5) });
    expect(r.status).toBe('fail');
    expect(r.message).not.toMatch(/shift/);
  });

  it('reduces with pca before testing', async () => {
    const r = await runDetector(embeddingDrift, { field: 'v', pca: 3, seed: 2 }, { reference: vectors(60, 10, 5), current: vectors(60, 10, 6) });
    expect(r.details!.pcaDimensions).toBe(3);
  });

  it('names the dataset and record on bad input', async () => {
    const ref = vectors(5, 3, 7);
    expect(await runDetector(embeddingDrift, { field: 'v' }, { reference: ref, current: [{ v: [1, 2, 3] }, { v: [1, 2] }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*record 2.*2 values/) });
    expect(await runDetector(embeddingDrift, { field: 'v' }, { reference: ref, current: [{ v: [1, NaN, 3] }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/record 1.*"v"\[1\]/) });
    expect(await runDetector(embeddingDrift, { field: 'v' }, { reference: ref, current: [] })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*empty/) });
    expect(await runDetector(embeddingDrift, { field: 'w' }, { reference: ref, current: ref })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "reference".*missing in every/) });
    await expect(runDetector(embeddingDrift, { field: 'v' }, { reference: ref, current: ref })).resolves.toHaveProperty('status');
    // A data error is this detector's error result, which makes a run exit 3.
    expect((await runDetector(embeddingDrift, { field: 'v' }, { reference: ref, current: [{ v: 'x' }] })).status).toBe('error');
    expect(await runDetector(embeddingDrift, {}, { reference: ref, current: ref })).toMatchObject({ status: 'error', message: expect.stringMatching(/needs `field`/) });
  });

  it('reads packed vector columns (as in a worker thread) with the same results and errors as records', async () => {
    /** The dataset as a worker thread sees it: packed, cloned with its buffers transferred, unpacked. */
    const asInWorker = (name: string, records: VigiaRecord[]): Dataset => {
      const { wire, transfer } = packDatasets([{ name, origin: `inline ${name}`, skipped: 0, records }]);
      const [d] = unpackDatasets(structuredClone(wire, { transfer }));
      return d!;
    };
    const plain = (name: string, records: VigiaRecord[]): Dataset => ({ name, origin: `inline ${name}`, skipped: 0, records });
    const ref = vectors(150, 32, 1);
    const cases: Record<string, VigiaRecord[]> = {
      drifted: vectors(150, 32, 2, (j) => (j < 3 ? 1 : 0)),
      'nulls and gaps': vectors(150, 32, 3).map((r, i) => (i % 17 === 0 ? { v: null } : i % 19 === 0 ? {} : r)),
      'a short vector': vectors(150, 32, 4).map((r, i) => (i === 40 ? { v: r.v.slice(1) } : r)),
      'a NaN': vectors(150, 32, 5).map((r, i) => (i === 41 ? { v: r.v.map((x, k) => (k === 7 ? NaN : x)) } : r)),
      'a string in a vector': vectors(150, 32, 6).map((r, i) => (i === 42 ? { v: r.v.map((x, k) => (k === 3 ? '1' : x)) } : r)),
      'a text': vectors(150, 32, 7).map((r, i) => (i === 43 ? { v: 'text' } : r)),
    };
    for (const method of ['mmd', 'pca-ks'] as const) {
      for (const [label, current] of Object.entries(cases)) {
        const packed = asInWorker('current', current);
        if (label !== 'a text') expect(packed.numberArrays?.has('v'), label).toBe(true);
        const options = { field: 'v', method, seed: 5, sample: 120 };
        const viaRecords = await runDetector(embeddingDrift, options, { reference: plain('reference', ref), current: plain('current', current) });
        const viaColumns = await runDetector(embeddingDrift, options, { reference: asInWorker('reference', ref), current: packed });
        expect(viaColumns, `${method}, ${label}`).toEqual(viaRecords);
      }
    }
  });
});
