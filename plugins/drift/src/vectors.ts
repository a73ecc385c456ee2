/**
 * Reading vectors and texts out of datasets for the embedding detectors, with errors that name
 * the dataset, the record and the field.
 */
import { DataError, describeValue, getField, type ComponentContext, type Dataset, type NumberArrayColumn } from '@vigia/core';
import { sampleIndices, type Matrix, type Random } from '@vigia/stats';

export interface VectorColumn {
  matrix: Matrix;
  /** Index of each row's record in the dataset. */
  recordIndex: Int32Array;
  /** Records where the field was absent or null. */
  missing: number;
}

function where(dataset: Dataset): string {
  return `dataset "${dataset.name}" (${dataset.origin})`;
}

export function assertNotEmpty(dataset: Dataset): void {
  if (dataset.records.length === 0) throw new DataError(`${where(dataset)} is empty; embedding drift needs records on both sides`);
}

/**
 * The vectors under `field` (arrays or typed arrays of finite numbers, all of one length).
 * Absent or null values are skipped and counted; `expectedLength` (e.g. the reference's) is
 * enforced when given. Where the dataset carries the field packed (a worker thread's datasets,
 * {@link Dataset.numberArrays}), the packed records' vectors are read from the column, with the
 * same checks in the same record order, so results and errors are the same.
 */
export function vectorColumn(dataset: Dataset, field: string, expectedLength?: number): VectorColumn {
  assertNotEmpty(dataset);
  const packed = dataset.numberArrays?.get(field);
  const whole = packed && wholeColumn(packed, dataset.records.length, expectedLength);
  if (whole) return whole;
  const rows: ArrayLike<number>[] = [];
  const index: number[] = [];
  let missing = 0;
  let length = expectedLength;
  let lengthFrom = expectedLength === undefined ? '' : 'the reference vectors';
  dataset.records.forEach((record, i) => {
    const raw = packed?.packed[i] === 1 ? packed.values.subarray(packed.offsets[i], packed.offsets[i + 1]) : getField(record, field);
    if (raw === undefined || raw === null) {
      missing++;
      return;
    }
    const isArray = Array.isArray(raw) || (ArrayBuffer.isView(raw) && !(raw instanceof DataView));
    if (!isArray) {
      throw new DataError(`${where(dataset)}, record ${i + 1}: field "${field}" is ${typeof raw === 'string' ? 'a string' : typeof raw}, not an array of numbers; point \`field\` at a vector, or use \`textField\` with an embedder for text`);
    }
    const values = raw as ArrayLike<unknown>;
    if (length === undefined) {
      length = values.length;
      lengthFrom = `record ${i + 1}`;
    } else if (values.length !== length) {
      throw new DataError(`${where(dataset)}, record ${i + 1}: field "${field}" has ${values.length} values but ${lengthFrom} has ${length}; every vector must have the same length (same embedding model)`);
    }
    for (let k = 0; k < values.length; k++) {
      const v = values[k];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new DataError(`${where(dataset)}, record ${i + 1}: field "${field}"[${k}] is ${describeValue(v)}, not a finite number`);
      }
    }
    rows.push(values as ArrayLike<number>);
    index.push(i);
  });
  if (rows.length === 0) {
    throw new DataError(`${where(dataset)}: field "${field}" is missing in every one of its ${dataset.records.length} records; check the field name (dotted paths like attributes.x are supported)`);
  }
  const d = length ?? 0;
  if (d === 0) throw new DataError(`${where(dataset)}, record ${index[0]! + 1}: field "${field}" is an empty array`);
  const data = allocateMatrix(rows.length, d, `${where(dataset)}: field "${field}"`);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let k = 0; k < d; k++) data[r * d + k] = row[k]!;
  }
  return { matrix: { rows: rows.length, cols: d, data }, recordIndex: Int32Array.from(index), missing };
}

/**
 * The matrix straight from a packed column when every record is packed, every vector has the
 * expected (or the first) length and every value is finite; undefined otherwise, and the record
 * by record path then finds (and names) whatever differs.
 */
function wholeColumn(column: NumberArrayColumn, records: number, expectedLength: number | undefined): VectorColumn | undefined {
  const { values, offsets, packed } = column;
  if (records === 0 || packed.length !== records) return undefined;
  const d = expectedLength ?? offsets[1]! - offsets[0]!;
  if (d === 0) return undefined;
  for (let i = 0; i < records; i++) if (packed[i] !== 1 || offsets[i + 1]! - offsets[i]! !== d) return undefined;
  const start = offsets[0]!, end = offsets[records]!;
  for (let k = start; k < end; k++) if (!Number.isFinite(values[k]!)) return undefined;
  return { matrix: { rows: records, cols: d, data: values.slice(start, end) }, recordIndex: Int32Array.from({ length: records }, (_, i) => i), missing: 0 };
}

export interface TextColumn {
  texts: string[];
  recordIndex: Int32Array;
  missing: number;
}

/** The strings under `field`; absent, null or empty values are skipped; other types are a DataError. */
export function textColumn(dataset: Dataset, field: string): TextColumn {
  assertNotEmpty(dataset);
  const texts: string[] = [];
  const index: number[] = [];
  let missing = 0;
  dataset.records.forEach((record, i) => {
    const raw = getField(record, field);
    if (raw === undefined || raw === null || raw === '') {
      missing++;
      return;
    }
    if (typeof raw !== 'string') {
      throw new DataError(`${where(dataset)}, record ${i + 1}: field "${field}" is ${Array.isArray(raw) ? 'an array' : typeof raw}, not text; use \`field\` for precomputed vectors`);
    }
    texts.push(raw);
    index.push(i);
  });
  if (texts.length === 0) {
    throw new DataError(`${where(dataset)}: text field "${field}" is missing in every one of its ${dataset.records.length} records; check the field name`);
  }
  return { texts, recordIndex: Int32Array.from(index), missing };
}

/** The text of `field` for each record index (undefined where absent or not a string). */
export function textsAt(dataset: Dataset, field: string, recordIndex: ArrayLike<number>): (string | undefined)[] {
  return Array.from(recordIndex, (i) => {
    const v = getField(dataset.records[i]!, field);
    return typeof v === 'string' ? v : undefined;
  });
}

const EMBED_BATCH = 64;

/** Embed texts in batches through the context's embedder, checking what comes back. */
export async function embedTexts(texts: readonly string[], dataset: Dataset, field: string, ctx: ComponentContext, embedderName?: string): Promise<Matrix> {
  const embedder = await ctx.embedder(embedderName);
  let d = embedder.dimension ?? 0;
  let data: Float64Array | undefined;
  for (let start = 0; start < texts.length; start += EMBED_BATCH) {
    const batch = texts.slice(start, start + EMBED_BATCH);
    const vectors = await embedder.embed(batch, ctx.signal);
    if (vectors.length !== batch.length) {
      throw new DataError(`${where(dataset)}: embedder "${embedder.id}" returned ${vectors.length} vectors for ${batch.length} texts of field "${field}"`);
    }
    for (let b = 0; b < vectors.length; b++) {
      const v = vectors[b]!;
      if (!data) {
        d = v.length;
        data = allocateMatrix(texts.length, d, `${where(dataset)}: embedder "${embedder.id}"`);
      }
      if (v.length !== d || d === 0) {
        throw new DataError(`${where(dataset)}: embedder "${embedder.id}" returned a vector of length ${v.length} (expected ${d}) for field "${field}" text #${start + b + 1}`);
      }
      for (let k = 0; k < d; k++) {
        const x = v[k]!;
        if (!Number.isFinite(x)) throw new DataError(`${where(dataset)}: embedder "${embedder.id}" returned a non-finite value for field "${field}" text #${start + b + 1}`);
        data[(start + b) * d + k] = x;
      }
    }
    ctx.progress(Math.min(texts.length, start + EMBED_BATCH), texts.length, `embedding ${dataset.name}.${field}`);
  }
  return { rows: texts.length, cols: d, data: data ?? new Float64Array(0) };
}

/** A seeded subsample of at most `cap` rows (all rows, in order, when under the cap). */
export function capRows(cap: number | undefined, rows: number, random: Random): Int32Array {
  return sampleIndices(rows, cap && cap > 0 ? Math.min(cap, rows) : rows, random);
}

/** A `Random` from an explicit seed, or a stream forked from the run's RNG for this component. */
export function randomFor(ctx: ComponentContext, seed: number | undefined, createRandom: (seed: number) => { next: Random }): Random {
  if (seed !== undefined) return createRandom(seed).next;
  const rng = ctx.rng.fork(`${ctx.use}:${ctx.id}`);
  return () => rng.next();
}

export interface LoadedVectors {
  matrix: Matrix;
  recordIndex: Int32Array;
  /** The text of each row when a text field is known (for examples in details). */
  texts?: (string | undefined)[];
}

/**
 * Vectors of one dataset: from `field` when given (with `textField`, if also given, used only for
 * examples), else the embedder's vectors of `textField`.
 */
export async function loadVectors(
  dataset: Dataset,
  source: { field?: string; textField?: string; embedder?: string },
  ctx: ComponentContext,
  options: { expectedLength?: number; cap?: number; random: Random },
): Promise<LoadedVectors> {
  const { expectedLength } = options;
  if (source.field) {
    const col = vectorColumn(dataset, source.field, expectedLength);
    const loaded = { ...col, texts: source.textField ? textsAt(dataset, source.textField, col.recordIndex) : undefined };
    return subsetVectors(loaded, capRows(options.cap, col.matrix.rows, options.random));
  }
  const col = textColumn(dataset, source.textField!);
  // Sample before embedding: embedding is the expensive part.
  const keep = capRows(options.cap, col.texts.length, options.random);
  const texts = Array.from(keep, (r) => col.texts[r]!);
  const recordIndex = Int32Array.from(keep, (r) => col.recordIndex[r]!);
  const matrix = await embedTexts(texts, dataset, source.textField!, ctx, source.embedder);
  if (expectedLength !== undefined && matrix.cols !== expectedLength) {
    throw new DataError(`${where(dataset)}: the embedder gave ${matrix.cols}-dimensional vectors but the reference's have ${expectedLength}`);
  }
  return { matrix, recordIndex, texts };
}

/** Keep only `rows` of loaded vectors. */
export function subsetVectors(v: LoadedVectors, rows: Int32Array): LoadedVectors {
  if (rows.length === v.matrix.rows) return v;
  const d = v.matrix.cols;
  const data = new Float64Array(rows.length * d);
  for (let r = 0; r < rows.length; r++) data.set(v.matrix.data.subarray(rows[r]! * d, (rows[r]! + 1) * d), r * d);
  return {
    matrix: { rows: rows.length, cols: d, data },
    recordIndex: Int32Array.from(rows, (r) => v.recordIndex[r]!),
    texts: v.texts ? Array.from(rows, (r) => v.texts![r]) : undefined,
  };
}

/**
 * The storage of a rows × d matrix, or a DataError saying what to lower when it cannot be held
 * (a typed array has a maximum length; memory may run out first).
 */
export function allocateMatrix(rows: number, d: number, what: string): Float64Array {
  try {
    return new Float64Array(rows * d);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const gb = (rows * d * 8) / 2 ** 30;
    throw new DataError(`${what}: ${rows} vectors × ${d} dimensions (${gb.toFixed(1)} GB) cannot be held in memory; lower the detector's \`sample\` or the embedder's dimension`);
  }
}
