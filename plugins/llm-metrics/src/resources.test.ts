import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { createTestContext, makeDataset, runMetric } from '@vigia/testing';
import { resources } from './resources.js';

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('resources', () => {
  it('summarises utilisation and memory fields of the records', async () => {
    const records = [
      { cpu_utilization: 0.2, memory_bytes: 1e9 },
      { cpu_utilization: 0.4, memory_bytes: 3e9 },
      { cpu_utilization: 0.9, memory_bytes: 2e9 },
    ];
    const values = await runMetric(resources, { process: false }, records);
    expect(find(values, 'system.cpu.utilization.max')!.value).toBe(0.9);
    expect(find(values, 'system.cpu.utilization.mean')!.value).toBeCloseTo(0.5, 12);
    expect(find(values, 'system.cpu.utilization.p50')!.unit).toBe('1');
    expect(find(values, 'system.memory.usage.p50')!.value).toBe(2e9);
    expect(find(values, 'system.memory.usage.p50')!.unit).toBe('By');
    expect(find(values, 'hw.gpu.utilization.mean')).toBeUndefined();
    expect(values.some((v) => v.name.startsWith('process.'))).toBe(false);
  });

  it('reads a separate samples dataset in percent, grouped by device', async () => {
    const options = { dataset: 'gpu', gpuField: 'util', utilizationScale: 'percent', groupBy: 'device', process: false } as const;
    const ctx = createTestContext({ use: 'resources' });
    const metric = await resources.create({ ...options, cpuField: 'cpu_utilization', memoryField: 'memory_bytes', gpuMemoryField: 'gpu_memory_bytes', quantiles: [0.5, 0.95] }, ctx);
    const current = makeDataset('current', [{ latency_ms: 1 }]);
    const gpu = makeDataset('gpu', [{ device: '0', util: 50 }, { device: '0', util: 70 }, { device: '1', util: 10 }]);
    const values = await metric.compute({ dataset: current, datasets: new Map([['current', current], ['gpu', gpu]]) }, ctx);
    expect(find(values, 'hw.gpu.utilization.max', { device: '0' })!.value).toBeCloseTo(0.7, 12);
    expect(find(values, 'hw.gpu.utilization.mean', { device: '1' })!.value).toBeCloseTo(0.1, 12);
    expect(() => metric.compute({ dataset: current, datasets: new Map([['current', current]]) }, ctx)).toThrow('dataset "gpu" (option `dataset`) is not in this run');
  });

  it('reports the run\'s own process usage and rejects out-of-range utilisation', async () => {
    const values = await runMetric(resources, {}, [{ latency_ms: 1 }]);
    expect(find(values, 'process.memory.usage')!.value).toBeGreaterThan(1e6);
    expect(find(values, 'process.cpu.time', { 'cpu.mode': 'user' })!.value).toBeGreaterThan(0);
    expect(find(values, 'process.memory.peak')!.value).toBeGreaterThanOrEqual(find(values, 'process.memory.usage')!.value * 0.5);
    await expect(runMetric(resources, {}, [{ cpu_utilization: 85 }])).rejects.toThrow('set utilizationScale: percent');
  });
});
