import { defineMetric, getField, type MetricValue } from '@vigia/core';
import { fieldPresent, groupByOption, groupRecords } from './common.js';

/**
 * The error type of a failed record, or undefined for a success. `error` wins over `status`:
 * a string error is its own type; an object gives its `type`, `code` or `name`; `true` gives `error`.
 * A numeric status (or numeric string) ≥ 400 fails with its code as type; another string status
 * fails unless it is one of `okStatuses` (case-insensitive).
 */
export function errorType(error: unknown, status: unknown, okStatuses: ReadonlySet<string>): string | undefined {
  if (error !== undefined && error !== null && error !== false && error !== '' && error !== 0) {
    if (typeof error === 'string') return error;
    if (typeof error === 'number') return String(error);
    if (typeof error === 'object') {
      const e = error as { type?: unknown; code?: unknown; name?: unknown };
      const type = e.type ?? e.code ?? e.name;
      if (typeof type === 'string' || typeof type === 'number') return String(type);
    }
    return 'error';
  }
  if (status === undefined || status === null || status === '') return undefined;
  const code = typeof status === 'number' ? status : typeof status === 'string' && /^\d+$/.test(status.trim()) ? Number(status) : NaN;
  if (Number.isFinite(code)) return code >= 400 ? String(code) : undefined;
  const text = String(status);
  return okStatuses.has(text.toLowerCase()) ? undefined : text;
}

/** Error rate overall and by error type (`error.type`, as in the OTel conventions). */
export const errors = defineMetric({
  description: 'Error rate overall and by error type, from an error field and/or a status field.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      errorField: { type: 'string', default: 'error', description: 'Field set on failed requests: a message/type string, an object with type/code/name, or true.' },
      statusField: { type: 'string', default: 'status', description: 'Status field: HTTP-like codes (≥ 400 fail) or strings (fail unless in okStatuses).' },
      okStatuses: { type: 'array', items: { type: 'string' }, default: ['ok', 'success', 'succeeded', 'completed', 'unset'], description: 'String statuses that mean success (case-insensitive).' },
      groupBy: groupByOption,
    },
  },
  example: { errorField: 'error', statusField: 'status', groupBy: 'model' },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.errorField, options.statusField, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options) => {
    const ok = new Set(options.okStatuses.map((s) => s.toLowerCase()));
    return {
      compute({ dataset }, ctx) {
        if (!fieldPresent(dataset, options.errorField) && !fieldPresent(dataset, options.statusField)) {
          ctx.logger.warn(`errors: no record of dataset "${dataset.name}" has "${options.errorField}" or "${options.statusField}"; every request counts as a success (set errorField/statusField if errors are logged elsewhere)`);
        }
        const out: MetricValue[] = [];
        for (const group of groupRecords(dataset, options.groupBy)) {
          const byType = new Map<string, number>();
          let failed = 0;
          for (const i of group.indices) {
            const record = dataset.records[i]!;
            const type = errorType(getField(record, options.errorField), getField(record, options.statusField), ok);
            if (type === undefined) continue;
            failed++;
            byType.set(type, (byType.get(type) ?? 0) + 1);
          }
          const n = group.indices.length;
          const labels = group.labels;
          out.push({ name: 'vigia.requests', value: n, unit: '{request}', kind: 'counter', labels: { ...labels }, description: 'requests' });
          out.push({ name: 'vigia.request.error_rate', value: failed / n, unit: '1', labels: { ...labels }, description: `share of failed requests (${failed} of ${n})` });
          for (const [type, count] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
            out.push({ name: 'vigia.request.errors', value: count, unit: '{request}', kind: 'counter', labels: { ...labels, 'error.type': type }, description: `failed requests of type ${type}` });
            out.push({ name: 'vigia.request.error_rate.by_type', value: count / n, unit: '1', labels: { ...labels, 'error.type': type }, description: `share of requests failing with ${type}` });
          }
        }
        return out;
      },
    };
  },
});
