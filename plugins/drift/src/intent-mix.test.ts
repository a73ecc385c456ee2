import { describe, expect, it } from 'vitest';
import type { Embedder } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { runDetector } from '@vigia/testing';
import { intentMix } from './intent-mix.js';

const TOPICS = ['refund', 'password', 'shipping', 'crypto'];

/** Fake embedder: each topic word is a direction in 8 dims, plus seeded noise per text. */
const embedder: Embedder = {
  id: 'fake-intents',
  dimension: 8,
  async embed(texts) {
    return texts.map((t) => {
      const r = createRandom([...t].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7));
      const v = Float32Array.from({ length: 8 }, () => r.normal() * 0.15);
      TOPICS.forEach((w, i) => { if (t.includes(w)) v[i * 2] += 3; });
      return v;
    });
  },
};

const prompts = (counts: number[], offset: number) => counts.flatMap((c, topic) => Array.from({ length: c }, (_, i) => ({ prompt: `${TOPICS[topic]} question ${offset + i}` })));

describe('intent-mix', () => {
  it('finds the reference intents, passes the same mix and fails a new intent with examples', async () => {
    const reference = prompts([60, 60, 60], 0);
    const same = await runDetector(intentMix, { seed: 1 }, { reference, current: prompts([60, 60, 60], 1000) }, { embedder });
    expect(same.details!.k).toBe(3);
    expect(same.status).toBe('pass');
    const withNew = await runDetector(intentMix, { seed: 1 }, { reference, current: prompts([50, 50, 50, 30], 2000) }, { embedder });
    expect(withNew.status).toBe('fail');
    const newIntents = withNew.details!.newIntents as { count: number; examples: string[] };
    expect(newIntents.count).toBeGreaterThanOrEqual(25);
    expect(newIntents.examples.every((t) => t.includes('crypto'))).toBe(true);
    expect(new Set(newIntents.examples).size).toBe(newIntents.examples.length);
    // The message's p-value is the result's (the table's), not one of the two tests' halves.
    expect(withNew.message).toMatch(/^new intents appeared: /);
    expect(withNew.message).toContain(`p=${withNew.pValue!.toPrecision(3)} (twice the smaller of the two)`);
  });

  it('fails a change in shares between known intents', async () => {
    const r = await runDetector(intentMix, { seed: 2, k: 3 }, { reference: prompts([60, 60, 60], 0), current: prompts([120, 30, 30], 3000) }, { embedder });
    expect(r.status).toBe('fail');
    const clusters = r.details!.clusters as { referenceShare: number; currentShare: number; examples: string[] }[];
    expect(clusters[0]!.currentShare).toBeCloseTo(2 / 3, 5);
    expect(clusters[0]!.examples[0]).toContain('refund');
  });

  it('names the dataset when the text field is missing', async () => {
    expect(await runDetector(intentMix, {}, { reference: [{ x: 1 }], current: [{ x: 2 }] }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "reference".*"prompt" is missing in every/) });
  });
});
