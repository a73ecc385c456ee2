import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { runMetric } from '@vigia/testing';
import { tokenQuality, topKEntropyBits } from './token-quality.js';

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('token-quality', () => {
  const ln = Math.log;
  it('computes mean logprob, perplexity and the low-confidence share', async () => {
    const records = [
      { logprobs: [ln(0.9), ln(0.3)] },
      { logprobs: [ln(0.6), ln(0.1), ln(0.8)] },
      { text: 'no logprobs' },
    ];
    const values = await runMetric(tokenQuality, { threshold: 0.5 }, records);
    const mean = (ln(0.9) + ln(0.3) + ln(0.6) + ln(0.1) + ln(0.8)) / 5;
    expect(find(values, 'vigia.token_quality.mean_logprob')!.value).toBeCloseTo(mean, 12);
    expect(find(values, 'vigia.token_quality.perplexity')!.value).toBeCloseTo(Math.exp(-mean), 12);
    expect(find(values, 'vigia.token_quality.low_confidence_share')!.value).toBeCloseTo(2 / 5, 12);
    expect(find(values, 'vigia.token_quality.tokens')!.value).toBe(5);
    const r1 = Math.exp(-(ln(0.9) + ln(0.3)) / 2);
    const r2 = Math.exp(-(ln(0.6) + ln(0.1) + ln(0.8)) / 3);
    expect(find(values, 'vigia.token_quality.response_perplexity.max')!.value).toBeCloseTo(Math.max(r1, r2), 12);
    expect(find(values, 'vigia.token_quality.entropy')).toBeUndefined();
  });

  it('computes entropy over the renormalised top-k, from either record shape', () => {
    expect(topKEntropyBits([ln(0.25), ln(0.25)])).toBeCloseTo(1, 12); // renormalised to 1/2, 1/2
    expect(topKEntropyBits([0])).toBe(0);
    expect(topKEntropyBits([ln(0.5), ln(0.25), ln(0.25)])).toBeCloseTo(1.5, 12);
  });

  it('reads top_logprobs beside logprobs and the OpenAI content shape alike', async () => {
    const plain = [{ logprobs: [ln(0.5), ln(0.9)], top_logprobs: [[{ token: 'a', logprob: ln(0.5) }, { token: 'b', logprob: ln(0.5) }], [{ token: 'c', logprob: ln(0.9) }]] }];
    const openai = [{ logprobs: { content: [
      { token: 'a', logprob: ln(0.5), top_logprobs: [{ token: 'a', logprob: ln(0.5) }, { token: 'b', logprob: ln(0.5) }] },
      { token: 'c', logprob: ln(0.9), top_logprobs: [{ token: 'c', logprob: ln(0.9) }] },
    ] } }];
    for (const records of [plain, openai]) {
      const values = await runMetric(tokenQuality, {}, records);
      expect(find(values, 'vigia.token_quality.entropy')!.value).toBeCloseTo(0.5, 12); // (1 + 0) / 2 bits
      expect(find(values, 'vigia.token_quality.low_confidence_share')!.value).toBe(0);
    }
  });

  it('rejects malformed logprobs with the record and field named', async () => {
    await expect(runMetric(tokenQuality, {}, [{ logprobs: [0.5] }])).rejects.toThrow('record 1: field "logprobs" holds 0.5');
    await expect(runMetric(tokenQuality, {}, [{ logprobs: [-1], top_logprobs: [] }])).rejects.toThrow('has 0 positions');
    await expect(runMetric(tokenQuality, {}, [{ text: 'x' }])).rejects.toThrow('"logprobs" is missing in every record');
  });
});
