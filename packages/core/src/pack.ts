/**
 * Sending datasets to a worker thread (isolate.ts) without cloning their number arrays one number
 * at a time.
 *
 * Structured clone turns each element of a plain array into a serialised double and back into a
 * heap number: 2,000 embeddings of 384 numbers are 768,000 of them, hundreds of milliseconds of
 * cloning and garbage collection. Here every field whose records hold arrays of numbers is packed
 * into one Float64Array (plus record offsets), which is transferred, not copied. The records cross
 * with a placeholder in its place (so their keys keep their order) and, on the worker's side, get
 * the same plain array back, built on first access. A component that reads the field as a whole
 * column (embedding vectors) takes it from {@link Dataset.numberArrays} without building any.
 */
import type { Dataset, NumberArrayColumn, VigiaRecord } from './contracts.js';

/** Fields holding fewer numbers than this in a dataset are cloned as they are (packing gains nothing). */
export const PACK_MIN_VALUES = 4096;
/** Nesting depth up to which object fields are searched for number arrays. */
const MAX_DEPTH = 8;

/** A dataset as it crosses to the worker. */
export interface WireDataset {
  name: string;
  origin: string;
  skipped: number;
  fieldNames?: readonly string[];
  records: readonly VigiaRecord[];
  /** Packed fields: the keys from the record to the array, and the column. */
  packed: { path: string[]; values: Float64Array; offsets: Int32Array; packed: Uint8Array }[];
}

export interface PackStats {
  records: number;
  /** Packed fields over all datasets, and the numbers in them. */
  fields: number;
  values: number;
}

interface Candidate {
  path: string[];
  values: number;
}

/**
 * The non-empty array at `path` of `record`, or undefined: the value must be reached by walking
 * the keys through plain objects, and be what `getField` reads for the dotted path (a key spelling
 * the whole dotted path would win there, so such a record is left alone).
 */
function arrayAt(record: VigiaRecord, path: readonly string[], dotted: string): unknown[] | undefined {
  if (path.length > 1 && dotted in record) return undefined;
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Paths of number arrays in the records, with the numbers each holds. */
function findCandidates(records: readonly VigiaRecord[]): Map<string, Candidate> {
  const found = new Map<string, Candidate>();
  const walk = (object: Record<string, unknown>, prefix: string[], depth: number) => {
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key) || key.includes('.')) continue;
      const value = object[key];
      if (Array.isArray(value)) {
        if (value.length === 0 || typeof value[0] !== 'number') continue;
        const path = [...prefix, key];
        const id = path.join('.');
        let c = found.get(id);
        if (!c) found.set(id, (c = { path, values: 0 }));
        c.values += value.length;
      } else if (depth < MAX_DEPTH && isPlainObject(value)) {
        walk(value, [...prefix, key], depth + 1);
      }
    }
  };
  for (const record of records) walk(record, [], 1);
  return found;
}

/** Copies `a` into `values` from `at`; false (partly copied) at its first element that is not a number (a hole reads as undefined). */
function copyNumbers(a: readonly unknown[], values: Float64Array, at: number): boolean {
  const n = a.length;
  for (let k = 0; k < n; k++) {
    const v = a[k];
    if (typeof v !== 'number') return false;
    values[at + k] = v;
  }
  return true;
}

/** Copy of `record` with the value at `path` replaced by null (copies along the path only). */
function withPlaceholder(record: VigiaRecord, path: readonly string[]): VigiaRecord {
  const copy: Record<string, unknown> = { ...record };
  let dst = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const next = { ...(dst[path[i]!] as Record<string, unknown>) };
    dst[path[i]!] = next;
    dst = next;
  }
  dst[path.at(-1)!] = null;
  return copy;
}

/**
 * The datasets as they go to a worker: their number-array fields packed (see the module comment),
 * with the buffers to transfer. The datasets themselves are not changed.
 */
export function packDatasets(datasets: readonly Dataset[]): { wire: WireDataset[]; transfer: ArrayBuffer[]; stats: PackStats } {
  const transfer: ArrayBuffer[] = [];
  const stats: PackStats = { records: 0, fields: 0, values: 0 };
  const wire = datasets.map((dataset): WireDataset => {
    const base = { name: dataset.name, origin: dataset.origin, skipped: dataset.skipped, ...(dataset.fieldNames ? { fieldNames: dataset.fieldNames } : {}) };
    stats.records += dataset.records.length;
    const candidates = [...findCandidates(dataset.records).values()].filter((c) => c.values >= PACK_MIN_VALUES);
    if (candidates.length === 0) return { ...base, records: dataset.records, packed: [] };
    let records = dataset.records;
    const packed: WireDataset['packed'] = [];
    const n = records.length;
    for (const { path, values: bound } of candidates) {
      if (bound > 2 ** 31 - 1) continue;
      // One pass: copy each array, checking its elements on the way; an array with anything but
      // numbers is taken back (overwritten by the next) and stays in its record.
      const dotted = path.join('.');
      let values = new Float64Array(bound);
      const offsets = new Int32Array(n + 1);
      const flags = new Uint8Array(n);
      let at = 0;
      for (let i = 0; i < n; i++) {
        const a = arrayAt(records[i]!, path, dotted);
        if (a !== undefined && at + a.length <= bound && copyNumbers(a, values, at)) {
          at += a.length;
          flags[i] = 1;
        }
        offsets[i + 1] = at;
      }
      if (at < PACK_MIN_VALUES) continue;
      if (at < bound) values = values.slice(0, at);
      const stripped: VigiaRecord[] = records === dataset.records ? records.slice() : (records as VigiaRecord[]);
      for (let i = 0; i < n; i++) if (flags[i] === 1) stripped[i] = withPlaceholder(stripped[i]!, path);
      records = stripped;
      packed.push({ path, values, offsets, packed: flags });
      transfer.push(values.buffer as ArrayBuffer, offsets.buffer, flags.buffer);
      stats.fields++;
      stats.values += at;
    }
    return { ...base, records, packed };
  });
  return { wire, transfer, stats };
}

/**
 * The datasets on the worker's side: each packed record gets its plain array back, built when
 * first read (or replaced when written), and the dataset lists its columns in `numberArrays`.
 */
export function unpackDatasets(wire: readonly WireDataset[]): Dataset[] {
  return wire.map((w) => {
    const { packed, records, ...rest } = w;
    if (packed.length === 0) return { ...rest, records };
    const numberArrays = new Map<string, NumberArrayColumn>();
    for (const { path, values, offsets, packed: flags } of packed) {
      numberArrays.set(path.join('.'), { values, offsets, packed: flags });
      const last = path.at(-1)!;
      for (let i = 0; i < records.length; i++) {
        if (flags[i] !== 1) continue;
        let parent = records[i] as Record<string, unknown>;
        for (let p = 0; p < path.length - 1; p++) parent = parent[path[p]!] as Record<string, unknown>;
        defineLazyArray(parent, last, values, offsets[i]!, offsets[i + 1]!);
      }
    }
    return { ...rest, records, numberArrays };
  });
}

function defineLazyArray(parent: Record<string, unknown>, key: string, values: Float64Array, start: number, end: number): void {
  const settle = (value: unknown) => {
    Object.defineProperty(parent, key, { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(parent, key, {
    enumerable: true,
    configurable: true,
    get: () => settle(Array.from(values.subarray(start, end))),
    set: (value: unknown) => { settle(value); },
  });
}
