import { describe, expect, it } from 'vitest';
import { defineDetector, numericColumn } from './index.js';
import { runDetector } from '@vigia/testing';

const meanShift = defineDetector({
  description: 'Fails when the mean of `field` moved by more than `maxShift`.',
  options: {
    type: 'object',
    properties: { field: { type: 'string' }, maxShift: { type: 'number', default: 1 } },
    required: ['field'],
    additionalProperties: false,
  },
  create: ({ field, maxShift }) => ({
    evaluate({ reference, current }) {
      const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const shift = Math.abs(mean(numericColumn(current, field).values) - mean(numericColumn(reference!, field).values));
      return { status: shift > maxShift ? 'fail' : 'pass', statistic: shift, pValue: null, threshold: maxShift, message: `mean moved by ${shift}` };
    },
  }),
});

describe('defineDetector', () => {
  it('derives option types from the schema and fills defaults', async () => {
    const result = await runDetector(meanShift, { field: 'x' }, { reference: [{ x: 1 }, { x: 2 }], current: [{ x: 5 }, { x: 6 }] });
    expect(result.status).toBe('fail');
    expect(result.threshold).toBe(1);
    expect(result.statistic).toBe(4);
  });
  it('rejects unknown and mistyped options with their JSON path', async () => {
    await expect(runDetector(meanShift, { field: 'x', maxShfit: 2 }, { current: [] })).rejects.toThrow('/with/maxShfit is not a known option');
    await expect(runDetector(meanShift, { field: 'x', maxShift: 'big' }, { current: [] })).rejects.toThrow('/with/maxShift must be number');
  });
});
