/**
 * Columns of a dataset for feature-drift, read once per (dataset, field) and shared between the
 * detectors of a run that compare the same field: one pass over the records gives the numbers
 * (sorted once, in a Float64Array), the missing count and the non-numbers (counted, first examples
 * kept), or the category counts (a Map from category to index into typed counts).
 *
 * The cache is keyed by the Dataset object (a WeakMap: it goes when the run's datasets go), so a
 * run's detectors share the work and nothing outlives the run. Cached columns are read-only.
 */
import { DataError, getField, type Dataset } from '@vigia/core';

/** How many non-numeric values are kept as examples for messages. */
export const MAX_COLUMN_EXAMPLES = 3;

export interface NumberColumn {
  /** The numbers (finite), sorted ascending. */
  sorted: Float64Array;
  /** Absent, null or empty-string values. */
  missing: number;
  /** Present values that are not numbers, with the first few (record index, value) kept. */
  others: number;
  examples: { index: number; value: unknown }[];
}

export interface CategoryColumn {
  /** Categories in the order they first occur. */
  categories: string[];
  /** Count of each category. */
  counts: Float64Array;
  /** Non-missing values. */
  total: number;
  missing: number;
}

const numberCache = new WeakMap<Dataset, Map<string, NumberColumn>>();
const categoryCache = new WeakMap<Dataset, Map<string, CategoryColumn>>();

function cached<T>(cache: WeakMap<Dataset, Map<string, T>>, dataset: Dataset, field: string, read: () => T): T {
  let byField = cache.get(dataset);
  if (!byField) cache.set(dataset, (byField = new Map()));
  let column = byField.get(field);
  if (!column) byField.set(field, (column = read()));
  return column;
}

/**
 * The numbers of `field` (numbers, or strings that parse as finite numbers), sorted; every other
 * present value is counted (with examples), never dropped silently: callers decide whether that is
 * an error. Absent, null and '' are missing.
 */
export function numberColumn(dataset: Dataset, field: string): NumberColumn {
  return cached(numberCache, dataset, field, () => {
    const records = dataset.records;
    const n = records.length;
    const values = new Float64Array(n);
    let k = 0, missing = 0, others = 0;
    const examples: { index: number; value: unknown }[] = [];
    const direct = n > 0 && !field.includes('.');
    for (let i = 0; i < n; i++) {
      const record = records[i]!;
      const raw = direct ? record[field] : getField(record, field);
      if (typeof raw === 'number') {
        if (Number.isFinite(raw)) { values[k++] = raw; continue; }
      } else if (raw === undefined || raw === null || raw === '') {
        missing++;
        continue;
      } else if (typeof raw === 'string' && raw.trim() !== '') {
        const v = Number(raw);
        if (Number.isFinite(v)) { values[k++] = v; continue; }
      }
      others++;
      if (examples.length < MAX_COLUMN_EXAMPLES) examples.push({ index: i, value: raw });
    }
    return { sorted: sortNumbers(k === n ? values : values.slice(0, k)), missing, others, examples };
  });
}

/** Sorted in place (a fresh array only the cache holds); a function of its own so profiles name it. */
function sortNumbers(values: Float64Array): Float64Array {
  return values.sort();
}

/**
 * Category counts of `field` (numbers and booleans stringified); absent or null values are
 * missing; an object or array is a DataError naming the record.
 */
export function categoryColumn(dataset: Dataset, field: string): CategoryColumn {
  return cached(categoryCache, dataset, field, () => {
    const records = dataset.records;
    const n = records.length;
    const index = new Map<string, number>();
    const categories: string[] = [];
    let counts = new Float64Array(16);
    let missing = 0;
    const direct = !field.includes('.');
    for (let i = 0; i < n; i++) {
      const record = records[i]!;
      const raw = direct ? record[field] : getField(record, field);
      if (raw === undefined || raw === null) { missing++; continue; }
      if (typeof raw === 'object') {
        throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" is an object or array, not a category`);
      }
      const key = typeof raw === 'string' ? raw : String(raw);
      let slot = index.get(key);
      if (slot === undefined) {
        slot = categories.length;
        index.set(key, slot);
        categories.push(key);
        if (slot === counts.length) {
          const grown = new Float64Array(counts.length * 2);
          grown.set(counts);
          counts = grown;
        }
      }
      counts[slot]!++;
    }
    if (n === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty`);
    if (n === missing) {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${field}" is missing in every one of its ${n} records; check the field name`);
    }
    return { categories, counts: counts.slice(0, categories.length), total: n - missing, missing };
  });
}

/**
 * Counts of two category columns over the union of their categories: the reference's in order of
 * first occurrence, then those only the current has (as `alignCategoryCounts` orders them).
 */
export function alignColumns(ref: CategoryColumn, cur: CategoryColumn): { categories: string[]; reference: Float64Array; current: Float64Array; unseenInReference: string[] } {
  const index = new Map<string, number>();
  ref.categories.forEach((c, i) => index.set(c, i));
  const unseen: string[] = [];
  for (const c of cur.categories) if (!index.has(c)) { index.set(c, ref.categories.length + unseen.length); unseen.push(c); }
  const k = index.size;
  const reference = new Float64Array(k);
  reference.set(ref.counts);
  const current = new Float64Array(k);
  cur.categories.forEach((c, i) => { current[index.get(c)!] = cur.counts[i]!; });
  return { categories: [...ref.categories, ...unseen], reference, current, unseenInReference: unseen };
}
