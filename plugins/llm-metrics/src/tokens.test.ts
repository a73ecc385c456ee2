import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { runMetric } from '@vigia/testing';
import { TOKEN_BUCKETS, tokens } from './tokens.js';

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('tokens', () => {
  const records = [
    { model: 'big', input_tokens: 1000, output_tokens: 100 },
    { model: 'big', input_tokens: 3000, output_tokens: 300 },
    { model: 'small', input_tokens: 2000, output_tokens: 200 },
    { model: 'other', input_tokens: 10, output_tokens: 1 },
  ];

  it('reports distributions and totals per token type', async () => {
    const values = await runMetric(tokens, {}, records);
    expect(find(values, 'gen_ai.client.token.usage.sum', { 'gen_ai.token.type': 'input' })!.value).toBe(6010);
    expect(find(values, 'gen_ai.client.token.usage.sum', { 'gen_ai.token.type': 'output' })!.value).toBe(601);
    expect(find(values, 'gen_ai.client.token.usage.p50', { 'gen_ai.token.type': 'input' })!.value).toBe(1500);
    expect(find(values, 'gen_ai.client.token.usage.max', { 'gen_ai.token.type': 'output' })!.value).toBe(300);
    const histogram = find(values, 'gen_ai.client.token.usage', { 'gen_ai.token.type': 'input' })!;
    expect(histogram.kind).toBe('histogram');
    expect(histogram.unit).toBe('{token}');
    expect(histogram.histogram!.bounds).toEqual(TOKEN_BUCKETS);
    expect(histogram.histogram!.counts[TOKEN_BUCKETS.indexOf(16)]).toBe(1); // 10 in (4, 16]
  });

  it('costs requests from a price table per 1M or 1K tokens and counts unpriced ones', async () => {
    const prices = { big: { input: 10, output: 30 }, small: { input: 1, output: 2 } };
    const perMillion = await runMetric(tokens, { prices }, records);
    const big = (4000 * 10 + 400 * 30) / 1e6;
    const small = (2000 * 1 + 200 * 2) / 1e6;
    expect(find(perMillion, 'vigia.cost', { 'gen_ai.request.model': 'big' })!.value).toBeCloseTo(big, 15);
    expect(find(perMillion, 'vigia.cost.total')!.value).toBeCloseTo(big + small, 15);
    expect(find(perMillion, 'vigia.cost.total')!.unit).toBe('{USD}');
    expect(find(perMillion, 'vigia.cost.per_request.mean')!.value).toBeCloseTo((big + small) / 3, 15);
    expect(find(perMillion, 'vigia.cost.unpriced_requests')!.value).toBe(1);
    const perThousand = await runMetric(tokens, { prices, priceUnit: 'per_1k', currency: 'EUR' }, records);
    expect(find(perThousand, 'vigia.cost.total')!.value).toBeCloseTo((big + small) * 1000, 12);
    expect(find(perThousand, 'vigia.cost.total')!.unit).toBe('{EUR}');
  });

  it('rejects bad data and options', async () => {
    await expect(runMetric(tokens, {}, [{ input_tokens: -1 }])).rejects.toThrow('must be ≥ 0');
    await expect(runMetric(tokens, {}, [{ text: 'x' }])).rejects.toThrow('neither "input_tokens" nor "output_tokens"');
    await expect(runMetric(tokens, { prices: { a: { input: 1 } } }, records)).rejects.toThrow('/with/prices/a/output is required');
    await expect(runMetric(tokens, { prices: { a: { input: 1, output: 1 } } }, [{ input_tokens: 1 }])).rejects.toThrow('field "model" (modelField) is missing');
  });
});
