import type { Dataset, VigiaRecord } from './contracts.js';
import { DataError, describeValue } from './errors.js';

/** Read a dotted path (`attributes.user_group`) from a record; a key containing dots is tried whole first. */
export function getField(record: VigiaRecord, path: string): unknown {
  if (path in record) return record[path];
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export interface NumericColumn {
  values: Float64Array;
  /** Index of each value's record in the dataset. */
  recordIndex: Int32Array;
  /** Records where the field was absent or null. */
  missing: number;
}

/**
 * The numeric values of a field across a dataset (booleans as 1/0). Absent or null values are counted as missing;
 * a present value that is not a finite number (or numeric string) is a {@link DataError} naming the
 * dataset and record. A field missing from every record is an error too.
 */
export function numericColumn(dataset: Dataset, field: string): NumericColumn {
  const n = dataset.records.length;
  const values = new Float64Array(n);
  const recordIndex = new Int32Array(n);
  let k = 0;
  let missing = 0;
  for (let i = 0; i < n; i++) {
    const raw = getField(dataset.records[i]!, field);
    if (raw === undefined || raw === null || raw === '') {
      missing++;
      continue;
    }
    // A yes/no field (a boolean descriptor) counts as 1/0, so its mean is a share.
    const v = typeof raw === 'number' ? raw : typeof raw === 'boolean' ? (raw ? 1 : 0) : typeof raw === 'string' ? Number(raw) : NaN;
    if (!Number.isFinite(v)) {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is ${describeValue(raw)}, not a finite number`);
    }
    values[k] = v;
    recordIndex[k] = i;
    k++;
  }
  if (k === 0 && n > 0) {
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${field}" is missing in every one of its ${n} records; check the field name (dotted paths like attributes.x are supported)`);
  }
  if (n === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty`);
  return { values: values.subarray(0, k), recordIndex: recordIndex.subarray(0, k), missing };
}

/** The values of a field as category strings (numbers and booleans are stringified); absent values are counted. */
export function categoricalColumn(dataset: Dataset, field: string): { values: string[]; recordIndex: number[]; missing: number } {
  const values: string[] = [];
  const recordIndex: number[] = [];
  let missing = 0;
  dataset.records.forEach((record, i) => {
    const raw = getField(record, field);
    if (raw === undefined || raw === null) {
      missing++;
      return;
    }
    if (typeof raw === 'object') {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is an object or array, not a category`);
    }
    values.push(String(raw));
    recordIndex.push(i);
  });
  if (dataset.records.length === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty`);
  if (values.length === 0) {
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${field}" is missing in every one of its ${dataset.records.length} records; check the field name`);
  }
  return { values, recordIndex, missing };
}

/**
 * Milliseconds since the epoch of a timestamp field: a number is epoch milliseconds; a string is
 * ISO 8601, where a space may stand for `T` and a string without a zone is read as UTC (as in
 * `2014-04-10 07:15:00`), so results never depend on the machine's time zone. NaN when unparseable.
 */
export function parseTimestamp(raw: unknown): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : NaN;
  if (raw instanceof Date) return raw.getTime();
  if (typeof raw !== 'string') return NaN;
  // Fast path for the common shape `2026-01-02T03:04:05(.sss)Z`, which Date.parse reads exactly.
  if (raw.length >= 20 && raw.length <= 30 && raw.charCodeAt(10) === 84 /* T */ && raw.charCodeAt(raw.length - 1) === 90 /* Z */ && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45) {
    const ms = Date.parse(raw);
    if (!Number.isNaN(ms)) return ms;
  }
  if (raw.trim() === '') return NaN;
  const text = raw.trim();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (m) return Date.parse(`${m[1]}T${m[2]}${m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : ''}${(m[4] ?? 'Z').toUpperCase()}`);
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
}

const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `500ms`, `10s`, `1.5m`, `1h`, `1d` → milliseconds. NaN unless the text is a positive duration of
 * a whole number of milliseconds with one of those units.
 */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return NaN;
  const ms = Number(m[1]) * DURATION_UNIT_MS[m[2] as keyof typeof DURATION_UNIT_MS];
  return ms >= 1 && Number.isInteger(ms) ? ms : NaN;
}

/**
 * Build a projection function keeping only `fields` (dotted paths) of a record: `['a.b', 'c']`
 * keeps `{ a: { b }, c }`. A key that itself contains dots (`"descriptors.response.refusal"`) is
 * kept whole when present, as {@link getField} reads it. Absent fields stay absent. Sources call
 * this on each parsed record so only the columns a config uses stay in memory.
 */
export function projector(fields: readonly string[]): (record: VigiaRecord) => VigiaRecord {
  const unique = [...new Set(fields)];
  // A field whose prefix is also kept is covered by the prefix (`attributes` covers `attributes.x`).
  const kept = unique.filter((f) => !unique.some((g) => g !== f && f.startsWith(`${g}.`)));
  const paths = kept.map((f) => ({ whole: f, parts: f.split('.') }));
  return (record) => {
    const out: VigiaRecord = {};
    for (const { whole, parts } of paths) {
      if (whole in record) {
        out[whole] = record[whole];
        continue;
      }
      if (parts.length === 1) continue;
      let src: unknown = record;
      let dst: Record<string, unknown> = out;
      for (let i = 0; i < parts.length; i++) {
        if (src === null || typeof src !== 'object') break;
        const key = parts[i]!;
        if (!(key in (src as object))) break;
        const v = (src as Record<string, unknown>)[key];
        if (i === parts.length - 1) {
          dst[key] = v;
        } else {
          if (v === null || typeof v !== 'object' || Array.isArray(v)) break;
          const next = dst[key];
          dst = (next && typeof next === 'object' ? next : (dst[key] = {})) as Record<string, unknown>;
          src = v;
        }
      }
    }
    return out;
  };
}

/** Keep only `fields` of one record (see {@link projector}; build a projector once for many records). */
export function projectRecord(record: VigiaRecord, fields: readonly string[]): VigiaRecord {
  return projector(fields)(record);
}
