import { CORE_API_VERSION, defineDetector, definePlugin, numericColumn } from '@vigia/core';

/** Fails when the median of a numeric field moved by more than `maxChange` (a ratio) from reference to current. */
export const medianShift = defineDetector({
  description: 'Fails when the median of a numeric field moved by more than maxChange (relative).',
  needs: ['reference'],
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'Numeric field, e.g. output_tokens.' },
      maxChange: { type: 'number', exclusiveMinimum: 0, default: 0.25, description: 'Largest allowed relative change.' },
    },
    required: ['field'],
    additionalProperties: false,
  },
  create: ({ field, maxChange }) => ({
    evaluate({ reference, current }) {
      const median = (xs: Float64Array) => {
        const s = Float64Array.from(xs).sort();
        return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
      };
      const before = median(numericColumn(reference!, field).values);
      const after = median(numericColumn(current, field).values);
      const change = Math.abs(after - before) / Math.abs(before || 1);
      return {
        status: change > maxChange ? 'fail' : 'pass',
        statistic: change, pValue: null, threshold: maxChange,
        message: `median ${field} ${before} → ${after} (${(100 * change).toFixed(1)} % change)`,
        details: { before, after },
      };
    },
  }),
});

export default definePlugin({ name: 'vigia-plugin-length', apiVersion: CORE_API_VERSION, detectors: { 'median-shift': medianShift } });
