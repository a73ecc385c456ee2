// The metrics of configs/azure-traces.yaml on the committed Azure LLM inference trace sample
// (Patel et al., "Splitwise", ISCA 2024; CC BY 4.0), plus a sketch check on the full traces when
// ../shared/data/azure-llm-trace is present.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MetricValue, VigiaRecord } from '@vigia/core';
import { KllSketch, kllRankErrorBound, rankError, sortedCopy } from '@vigia/stats';
import { makeDataset, runMetric } from '@vigia/testing';
import { errors } from './errors.js';
import { throughput } from './throughput.js';
import { tokens } from './tokens.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sampleDir = `${repoRoot}configs/samples/azure/`;
const traceDir = `${repoRoot}../shared/data/azure-llm-trace/`;

function readJsonl(path: string): VigiaRecord[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as VigiaRecord);
}

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('llm-metrics on the Azure trace sample', () => {
  const code = readJsonl(`${sampleDir}code.jsonl`);
  const conv = readJsonl(`${sampleDir}conv.jsonl`);
  const both = makeDataset('current', [...code, ...conv], { origin: 'jsonl configs/samples/azure/{code,conv}.jsonl' });

  it('has the documented shape', () => {
    expect(code.length).toBeGreaterThan(1000);
    expect(conv.length).toBeGreaterThan(1000);
    for (const r of [code[0]!, conv[0]!]) expect(Object.keys(r).sort()).toEqual(['input_tokens', 'model', 'output_tokens', 'timestamp']);
  });

  it('tokens: totals and percentiles per service match a direct computation, with cost', async () => {
    const values = await runMetric(tokens, { groupBy: 'model', prices: { code: { input: 0.5, output: 1.5 }, conv: { input: 0.5, output: 1.5 } }, priceUnit: 'per_1m' }, both);
    for (const [service, records] of [['code', code], ['conv', conv]] as const) {
      const labels = { 'gen_ai.request.model': service };
      const input = records.map((r) => r.input_tokens as number);
      const output = records.map((r) => r.output_tokens as number);
      const sumIn = input.reduce((a, b) => a + b, 0);
      const sumOut = output.reduce((a, b) => a + b, 0);
      expect(find(values, 'gen_ai.client.token.usage.sum', { ...labels, 'gen_ai.token.type': 'input' })!.value).toBe(sumIn);
      expect(find(values, 'gen_ai.client.token.usage.sum', { ...labels, 'gen_ai.token.type': 'output' })!.value).toBe(sumOut);
      expect(find(values, 'gen_ai.client.token.usage.max', { ...labels, 'gen_ai.token.type': 'input' })!.value).toBe(Math.max(...input));
      // type-7 p50 by hand
      const sorted = [...input].sort((a, b) => a - b);
      const h = (sorted.length - 1) * 0.5;
      const median = sorted[Math.floor(h)]! + (h - Math.floor(h)) * (sorted[Math.ceil(h)]! - sorted[Math.floor(h)]!);
      expect(find(values, 'gen_ai.client.token.usage.p50', { ...labels, 'gen_ai.token.type': 'input' })!.value).toBe(median);
      expect(find(values, 'vigia.cost.total', labels)!.value).toBeCloseTo((sumIn * 0.5 + sumOut * 1.5) / 1e6, 9);
    }
    // code prompts are much longer than conversation prompts in this trace
    expect(find(values, 'gen_ai.client.token.usage.p50', { 'gen_ai.request.model': 'code', 'gen_ai.token.type': 'input' })!.value)
      .toBeGreaterThan(find(values, 'gen_ai.client.token.usage.p50', { 'gen_ai.request.model': 'conv', 'gen_ai.token.type': 'input' })!.value);
  });

  it('throughput: per-minute rates that add back up to the request count', async () => {
    const values = await runMetric(throughput, { window: '1m', groupBy: 'model' }, both);
    for (const [service, records] of [['code', code], ['conv', conv]] as const) {
      const series = values.filter((v) => v.name === 'vigia.throughput.requests' && v.labels?.['gen_ai.request.model'] === service);
      expect(series.length).toBe(10); // the 10-minute slice 18:30–18:40
      expect(Math.round(series.reduce((a, v) => a + v.value * 60, 0))).toBe(records.length);
      const tokenSeries = values.filter((v) => v.name === 'vigia.throughput.output_tokens' && v.labels?.['gen_ai.request.model'] === service);
      expect(Math.round(tokenSeries.reduce((a, v) => a + v.value * 60, 0))).toBe(records.reduce((a, r) => a + (r.output_tokens as number), 0));
      const mean = find(values, 'vigia.throughput.requests.mean', { 'gen_ai.request.model': service })!.value;
      const max = find(values, 'vigia.throughput.requests.max', { 'gen_ai.request.model': service })!.value;
      const p95 = find(values, 'vigia.throughput.requests.p95', { 'gen_ai.request.model': service })!.value;
      expect(mean).toBeGreaterThan(0);
      expect(p95).toBeLessThanOrEqual(max);
      expect(p95).toBeGreaterThanOrEqual(mean * 0.5);
    }
  });

  it('errors: a trace of successful requests has error rate 0', async () => {
    const values = await runMetric(errors, {}, both);
    expect(find(values, 'vigia.request.error_rate')!.value).toBe(0);
    expect(find(values, 'vigia.requests')!.value).toBe(code.length + conv.length);
  });
});

const haveTraces = existsSync(traceDir);
if (!haveTraces) console.warn(`llm-metrics azure.test: skipping the full-trace sketch check, ${traceDir} is absent (see /work/shared/data/README.md)`);

describe.skipIf(!haveTraces)('KLL sketch on the full Azure traces', () => {
  it('answers token-count quantiles within its rank error bound', () => {
    for (const service of ['code', 'conv']) {
      const rows = readFileSync(`${traceDir}AzureLLMInferenceTrace_${service}.csv`, 'utf8').split('\n').slice(1).filter(Boolean);
      const context = Float64Array.from(rows, (row) => Number(row.split(',')[1]));
      const sketch = new KllSketch({ k: 200, seed: 1 });
      sketch.addAll(context);
      const sorted = sortedCopy(context);
      for (const p of [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
        expect(rankError(sorted, p, sketch.quantile(p))).toBeLessThanOrEqual(kllRankErrorBound(200));
      }
    }
  });
});
