import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { runMetric } from '@vigia/testing';
import { throughput } from './throughput.js';

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.filter((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('throughput', () => {
  // 0:30 .. 3:30 of one hour: windows 0:00 (partial), 1:00, 2:00 (complete), 3:00 (partial)
  const t0 = Date.parse('2024-01-01T10:00:00Z');
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const records = [
    { timestamp: at(30), output_tokens: 10, model: 'a' },
    { timestamp: at(61), output_tokens: 60, model: 'a' },
    { timestamp: at(62), output_tokens: 60, model: 'b' },
    { timestamp: at(100), output_tokens: 120, model: 'a' },
    { timestamp: at(150), output_tokens: 0, model: 'b' },
    { timestamp: at(210), output_tokens: 5, model: 'a' },
  ];

  it('computes per-window rates and a summary over complete windows', async () => {
    const values = await runMetric(throughput, { window: '1m' }, records);
    const series = find(values, 'vigia.throughput.requests');
    expect(series.map((v) => v.labels!.window_start)).toEqual([at(0), at(60), at(120), at(180)]);
    expect(series.map((v) => v.value * 60)).toEqual([1, 3, 1, 1]);
    expect(series.map((v) => v.labels!.partial)).toEqual(['true', undefined, undefined, 'true']);
    // complete windows 1:00 and 2:00: 3/60 and 1/60 requests/s
    expect(find(values, 'vigia.throughput.requests.mean')[0]!.value).toBeCloseTo(2 / 60, 12);
    expect(find(values, 'vigia.throughput.requests.max')[0]!.value).toBeCloseTo(3 / 60, 12);
    expect(find(values, 'vigia.throughput.requests.p95')[0]!.value).toBeCloseTo((1 + 0.95 * 2) / 60, 12);
    expect(find(values, 'vigia.throughput.requests.overall')[0]!.value).toBeCloseTo(6 / 180, 12);
    expect(find(values, 'vigia.throughput.output_tokens.max')[0]!.value).toBeCloseTo(240 / 60, 12);
    expect(find(values, 'vigia.throughput.output_tokens.mean')[0]!.unit).toBe('{token}/s');
  });

  it('groups by model, counting empty windows as zero', async () => {
    const values = await runMetric(throughput, { window: '1m', series: false, groupBy: 'model' }, records);
    expect(find(values, 'vigia.throughput.requests', {})).toHaveLength(0);
    // model b: 1 request in 1:00 and 1 in 2:00
    expect(find(values, 'vigia.throughput.requests.mean', { 'gen_ai.request.model': 'b' })[0]!.value).toBeCloseTo(1 / 60, 12);
    expect(find(values, 'vigia.throughput.requests.max', { 'gen_ai.request.model': 'a' })[0]!.value).toBeCloseTo(2 / 60, 12);
  });

  it('accepts epoch milliseconds and rejects bad timestamps and windows', async () => {
    const values = await runMetric(throughput, { window: '10s', series: false }, [{ timestamp: 0 }, { timestamp: 5_000 }, { timestamp: 25_000 }]);
    expect(find(values, 'vigia.throughput.requests.mean')[0]!.value).toBeCloseTo(0.1, 12);
    expect(find(values, 'vigia.throughput.output_tokens.mean')).toHaveLength(0);
    await expect(runMetric(throughput, {}, [{ timestamp: 'yesterday' }])).rejects.toThrow('record 1: field "timestamp" is "yesterday"');
    await expect(runMetric(throughput, { window: '1 minute' }, [{ timestamp: 0 }])).rejects.toThrow('/with/window must match');
    await expect(runMetric(throughput, { window: '1ms', maxWindows: 10 }, [{ timestamp: 0 }, { timestamp: 1000 }])).rejects.toThrow('use a longer window');
  });
});
