/**
 * `field-stats`: mean (a share for yes/no fields), quantiles and count of numeric or boolean fields
 * of one dataset, e.g. the refusal share or median sentiment per model with `by: model`.
 */
import { DataError, defineMetric, describeValue, getField, type MetricValue } from '@vigia/core';

export const fieldStats = defineMetric({
  description: 'Mean (a share for yes/no fields), p50, p95 and count of numeric or boolean fields, e.g. descriptors.response.refusal; with by: per segment.',
  options: {
    type: 'object',
    additionalProperties: false,
    required: ['fields'],
    properties: {
      fields: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Fields to summarise (dotted paths; descriptors.<field>.<name> for text descriptors).' },
      quantiles: { type: 'boolean', default: true, description: 'Also report p50 and p95 of numeric (non-boolean) fields.' },
    },
  },
  example: { fields: ['descriptors.response.refusal', 'descriptors.response.sentiment'] },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [...options.fields].filter((f): f is string => typeof f === 'string'),
  create: ({ fields, quantiles }) => ({
    compute({ dataset }) {
      const out: MetricValue[] = [];
      for (const field of fields) {
        const values: number[] = [];
        let booleans = 0;
        dataset.records.forEach((record, i) => {
          const v = getField(record, field);
          if (v === undefined || v === null || v === '') return;
          if (typeof v === 'boolean') {
            booleans++;
            values.push(v ? 1 : 0);
          } else if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
          else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) values.push(Number(v));
          else throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is ${describeValue(v, 40)}, not a number or boolean; field-stats summarises numeric and yes/no fields`);
        });
        const labels = { field };
        out.push({ name: 'vigia.field.count', value: values.length, unit: '1', labels, description: `records with ${field}` });
        if (values.length === 0) continue;
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const isShare = booleans === values.length;
        out.push({ name: isShare ? 'vigia.field.share' : 'vigia.field.mean', value: mean, unit: '1', labels, description: isShare ? `share of records where ${field} is true` : `mean of ${field}` });
        if (quantiles && !isShare) {
          const sorted = Float64Array.from(values).sort();
          const q = (p: number) => {
            const h = (sorted.length - 1) * p;
            const lo = Math.floor(h);
            return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
          };
          out.push({ name: 'vigia.field.p50', value: q(0.5), unit: '1', labels }, { name: 'vigia.field.p95', value: q(0.95), unit: '1', labels });
        }
      }
      return out;
    },
  }),
});
