import type { Dataset, VigiaRecord } from './contracts.js';
import { DataError } from './errors.js';

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
 * The numeric values of a field across a dataset. Absent or null values are counted as missing;
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
    const v = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    if (!Number.isFinite(v)) {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is ${JSON.stringify(raw)}, not a finite number`);
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
