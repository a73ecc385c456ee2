import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { runMetric } from '@vigia/testing';
import { kllRankErrorBound, rankError, sortedCopy } from '@vigia/stats';
import { latency, TTFT_BUCKETS } from './latency.js';

const byName = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('latency', () => {
  const records = [
    { latency_ms: 1000, ttft_ms: 200, output_tokens: 9, model: 'a' },
    { latency_ms: 2000, ttft_ms: 400, output_tokens: 5, model: 'a' },
    { latency_ms: 3000, ttft_ms: 100, output_tokens: 1, model: 'b' },
    { latency_ms: 4000, ttft_ms: 300, output_tokens: 38, model: 'b', error: 'timeout' },
    { latency_ms: 5000, model: 'b' },
  ];

  it('reports exact type-7 percentiles in seconds under OTel names', async () => {
    const values = await runMetric(latency, {}, records);
    // durations 1..5 s: p50 = 3, p90 = 4.6, p95 = 4.8, p99 = 4.96, max = 5
    expect(byName(values, 'gen_ai.client.operation.duration.p50')!.value).toBe(3);
    expect(byName(values, 'gen_ai.client.operation.duration.p90')!.value).toBeCloseTo(4.6, 12);
    expect(byName(values, 'gen_ai.client.operation.duration.p95')!.value).toBeCloseTo(4.8, 12);
    expect(byName(values, 'gen_ai.client.operation.duration.p99')!.value).toBeCloseTo(4.96, 12);
    expect(byName(values, 'gen_ai.client.operation.duration.max')!.value).toBe(5);
    expect(byName(values, 'gen_ai.client.operation.duration.mean')!.value).toBe(3);
    expect(byName(values, 'gen_ai.client.operation.duration.p95')!.unit).toBe('s');
    // TTFT of successful responses only (the timeout is left out): 0.2, 0.4, 0.1
    expect(byName(values, 'gen_ai.server.time_to_first_token.max')!.value).toBeCloseTo(0.4, 12);
    expect(byName(values, 'gen_ai.server.time_to_first_token.p50')!.value).toBeCloseTo(0.2, 12);
    // TPOT = (latency − ttft)/(out − 1): 0.8/8 = 0.1, 1.6/4 = 0.4; output_tokens 1 has none
    expect(byName(values, 'gen_ai.server.time_per_output_token.p50')!.value).toBeCloseTo(0.25, 12);
    expect(byName(values, 'gen_ai.server.time_per_output_token.max')!.value).toBeCloseTo(0.4, 12);
  });

  it('emits explicit-bucket histograms with the OTel advisory bounds', async () => {
    const values = await runMetric(latency, {}, records);
    const ttft = byName(values, 'gen_ai.server.time_to_first_token')!;
    expect(ttft.kind).toBe('histogram');
    expect(ttft.histogram!.bounds).toEqual(TTFT_BUCKETS);
    expect(ttft.histogram!.count).toBe(3);
    expect(ttft.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(3);
    // 0.1 falls in (0.08, 0.1]; 0.2 and 0.4 in (0.1, 0.25] and (0.25, 0.5]
    expect(ttft.histogram!.counts[TTFT_BUCKETS.indexOf(0.1)]).toBe(1);
    expect(ttft.histogram!.sum).toBeCloseTo(0.7, 12);
    const custom = await runMetric(latency, { durationBuckets: [2, 4], histogram: true }, records);
    expect(byName(custom, 'gen_ai.client.operation.duration')!.histogram!.counts).toEqual([2, 2, 1]);
    await expect(runMetric(latency, { durationBuckets: [4, 2] }, records)).rejects.toThrow('strictly increasing');
  });

  it('groups by model with the gen_ai.request.model label and honours fieldUnit and quantiles', async () => {
    const values = await runMetric(latency, { groupBy: 'model', quantiles: [0.5], histogram: false }, records);
    expect(byName(values, 'gen_ai.client.operation.duration.p50', { 'gen_ai.request.model': 'a' })!.value).toBe(1.5);
    expect(byName(values, 'gen_ai.client.operation.duration.p50', { 'gen_ai.request.model': 'b' })!.value).toBe(4);
    expect(values.some((v) => v.kind === 'histogram')).toBe(false);
    const secs = await runMetric(latency, { fieldUnit: 's', field: 'latency_s' }, [{ latency_s: 2.5 }]);
    expect(byName(secs, 'gen_ai.client.operation.duration.max')!.value).toBe(2.5);
    expect(byName(secs, 'gen_ai.server.time_to_first_token.max')).toBeUndefined();
  });

  it('sketch mode stays within the KLL rank error of the exact order statistics', async () => {
    let x = 12345;
    const rand = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
    const data = Array.from({ length: 20_000 }, () => ({ latency_ms: Math.exp(6 + rand() * 3) }));
    const values = await runMetric(latency, { mode: 'sketch', sketchK: 100 }, data);
    const sorted = sortedCopy(data.map((r) => r.latency_ms / 1000));
    for (const p of [0.5, 0.9, 0.95, 0.99]) {
      const v = byName(values, `gen_ai.client.operation.duration.p${p * 100}`)!;
      expect(rankError(sorted, p, v.value)).toBeLessThanOrEqual(kllRankErrorBound(100));
      expect(v.description).toContain('KLL');
    }
    expect(byName(values, 'gen_ai.client.operation.duration.max')!.value).toBe(sorted[sorted.length - 1]);
  });

  it('names the dataset, record and field on bad data', async () => {
    await expect(runMetric(latency, {}, [{ latency_ms: 'slow' }])).rejects.toThrow('record 1: field "latency_ms" is "slow"');
    await expect(runMetric(latency, {}, [{ latency_ms: -3 }])).rejects.toThrow('must be ≥ 0');
    await expect(runMetric(latency, {}, [{ other: 1 }])).rejects.toThrow('"latency_ms" is missing in every one');
    await expect(runMetric(latency, { mode: 'fast' }, [{ latency_ms: 1 }])).rejects.toThrow('/with/mode must be one of');
  });
});
