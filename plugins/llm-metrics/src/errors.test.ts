import { describe, expect, it } from 'vitest';
import type { MetricValue } from '@vigia/core';
import { runMetric } from '@vigia/testing';
import { errors, errorType } from './errors.js';

const find = (values: MetricValue[], name: string, labels: Record<string, string> = {}) =>
  values.find((v) => v.name === name && Object.entries(labels).every(([k, l]) => v.labels?.[k] === l));

describe('errors', () => {
  it('classifies error and status fields', () => {
    const ok = new Set(['ok', 'success']);
    expect(errorType('timeout', undefined, ok)).toBe('timeout');
    expect(errorType({ type: 'rate_limit' }, 200, ok)).toBe('rate_limit');
    expect(errorType(true, undefined, ok)).toBe('error');
    expect(errorType(undefined, 429, ok)).toBe('429');
    expect(errorType(undefined, '503', ok)).toBe('503');
    expect(errorType(undefined, 200, ok)).toBeUndefined();
    expect(errorType(undefined, 'OK', ok)).toBeUndefined();
    expect(errorType(undefined, 'cancelled', ok)).toBe('cancelled');
    expect(errorType(null, null, ok)).toBeUndefined();
  });

  it('reports the error rate overall, by type and by model', async () => {
    const records = [
      { model: 'a', status: 200 }, { model: 'a', status: 429 }, { model: 'a', error: 'timeout' },
      { model: 'b', status: 'ok' }, { model: 'b', status: 429 }, { model: 'b' }, { model: 'b', error: { code: 'content_filter' } }, { model: 'b', status: 'ok' },
    ];
    const values = await runMetric(errors, {}, records);
    expect(find(values, 'vigia.request.error_rate')!.value).toBeCloseTo(4 / 8, 12);
    expect(find(values, 'vigia.request.errors', { 'error.type': '429' })!.value).toBe(2);
    expect(find(values, 'vigia.request.error_rate.by_type', { 'error.type': 'timeout' })!.value).toBeCloseTo(1 / 8, 12);
    expect(find(values, 'vigia.requests')!.value).toBe(8);
    const grouped = await runMetric(errors, { groupBy: 'model' }, records);
    expect(find(grouped, 'vigia.request.error_rate', { 'gen_ai.request.model': 'a' })!.value).toBeCloseTo(2 / 3, 12);
    expect(find(grouped, 'vigia.request.error_rate', { 'gen_ai.request.model': 'b' })!.value).toBeCloseTo(2 / 5, 12);
  });

  it('uses the configured fields and ok statuses', async () => {
    const values = await runMetric(errors, { statusField: 'outcome', okStatuses: ['done'] }, [{ outcome: 'done' }, { outcome: 'DONE' }, { outcome: 'refused' }]);
    expect(find(values, 'vigia.request.error_rate')!.value).toBeCloseTo(1 / 3, 12);
    expect(find(values, 'vigia.request.errors', { 'error.type': 'refused' })!.value).toBe(1);
  });
});
