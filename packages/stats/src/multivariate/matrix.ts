/**
 * Dense row-major matrices on Float64Array and the hot kernels the multivariate tests share:
 * blocked Gram products, squared norms, column means, selection.
 */

/** A dense row-major matrix: row `i` is `data[i * cols .. (i + 1) * cols)`. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeroMatrix(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

/** A matrix from equal-length rows (arrays or typed arrays). Throws a RangeError on ragged rows. */
export function matrixFromRows(rows: readonly ArrayLike<number>[]): Matrix {
  const n = rows.length;
  const d = n === 0 ? 0 : rows[0]!.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    if (row.length !== d) throw new RangeError(`row ${i} has ${row.length} values, row 0 has ${d}`);
    for (let k = 0; k < d; k++) data[i * d + k] = row[k]!;
  }
  return { rows: n, cols: d, data };
}

/** Row `i` as a view (no copy). */
export function matrixRow(m: Matrix, i: number): Float64Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows at `indices`, copied. */
export function selectRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float64Array(indices.length * m.cols);
  for (let r = 0; r < indices.length; r++) out.set(matrixRow(m, indices[r]!), r * m.cols);
  return { rows: indices.length, cols: m.cols, data: out };
}

/** Rows of `a` followed by rows of `b`. */
export function stackRows(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.cols) throw new RangeError(`cannot stack ${a.cols}-column and ${b.cols}-column matrices`);
  const data = new Float64Array((a.rows + b.rows) * a.cols);
  data.set(a.data, 0);
  data.set(b.data, a.data.length);
  return { rows: a.rows + b.rows, cols: a.cols, data };
}

export function squaredNorms(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  const { cols: d, data } = m;
  for (let i = 0; i < m.rows; i++) {
    let s = 0;
    for (let k = i * d, end = k + d; k < end; k++) s += data[k]! * data[k]!;
    out[i] = s;
  }
  return out;
}

export function columnMeans(m: Matrix): Float64Array {
  const out = new Float64Array(m.cols);
  const { cols: d, data } = m;
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < d; k++) out[k] += data[i * d + k]!;
  for (let k = 0; k < d; k++) out[k] /= Math.max(1, m.rows);
  return out;
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
  return s;
}

/**
 * Dot products of rows `[i0, i1)` of `z` with rows `[j0, z.rows)` of `z`, written to
 * `out[(i - i0) * stride + j]`; only pairs with `j >= i` are written (the upper triangle).
 * A 3×3 register-blocked kernel: each pass over k loads six rows once for nine products,
 * which is what V8 keeps in registers without spilling (measured against 2×4 and 4×4).
 */
export function gramUpper(z: Matrix, i0: number, i1: number, out: Float64Array, stride: number): void {
  const { cols: d, data: Z, rows: n } = z;
  for (let i = i0; i < i1; i += 3) {
    const ia = Math.min(i + 1, i1 - 1), ib = Math.min(i + 2, i1 - 1);
    const a0 = i * d, a1 = ia * d, a2 = ib * d;
    const r0 = (i - i0) * stride, r1 = (ia - i0) * stride, r2 = (ib - i0) * stride;
    for (let j = i; j < n; j += 3) {
      const ja = Math.min(j + 1, n - 1), jb = Math.min(j + 2, n - 1);
      const b0 = j * d, b1 = ja * d, b2 = jb * d;
      let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = Z[a0 + k]!, x1 = Z[a1 + k]!, x2 = Z[a2 + k]!;
        const y0 = Z[b0 + k]!, y1 = Z[b1 + k]!, y2 = Z[b2 + k]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2;
      }
      // Clamped duplicates at the edges rewrite the same cell with the same value.
      out[r0 + j] = c00; out[r0 + ja] = c01; out[r0 + jb] = c02;
      out[r1 + j] = c10; out[r1 + ja] = c11; out[r1 + jb] = c12;
      out[r2 + j] = c20; out[r2 + ja] = c21; out[r2 + jb] = c22;
    }
  }
}

/** Dot products of every row of `a` with every row of `b` (a.rows × b.rows), blocked 3×3. */
export function gramCross(a: Matrix, b: Matrix): Float64Array {
  if (a.cols !== b.cols) throw new RangeError(`column mismatch: ${a.cols} vs ${b.cols}`);
  const d = a.cols, m = a.rows, n = b.rows;
  const out = new Float64Array(m * n);
  const A = a.data, B = b.data;
  for (let i = 0; i < m; i += 3) {
    const ia = Math.min(i + 1, m - 1), ib = Math.min(i + 2, m - 1);
    const a0 = i * d, a1 = ia * d, a2 = ib * d;
    for (let j = 0; j < n; j += 3) {
      const ja = Math.min(j + 1, n - 1), jb = Math.min(j + 2, n - 1);
      const b0 = j * d, b1 = ja * d, b2 = jb * d;
      let c00 = 0, c01 = 0, c02 = 0, c10 = 0, c11 = 0, c12 = 0, c20 = 0, c21 = 0, c22 = 0;
      for (let k = 0; k < d; k++) {
        const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!;
        const y0 = B[b0 + k]!, y1 = B[b1 + k]!, y2 = B[b2 + k]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2;
      }
      out[i * n + j] = c00; out[i * n + ja] = c01; out[i * n + jb] = c02;
      out[ia * n + j] = c10; out[ia * n + ja] = c11; out[ia * n + jb] = c12;
      out[ib * n + j] = c20; out[ib * n + ja] = c21; out[ib * n + jb] = c22;
    }
  }
  return out;
}

/** The k-th smallest value (0-based) of `values`, reordering them in place (Hoare's quickselect). */
export function selectInPlace(values: Float64Array | Float32Array, k: number): number {
  let lo = 0, hi = values.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median of three as pivot
    const a = values[lo]!, b = values[mid]!, c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo, j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/**
 * The k-th smallest value (0-based) of `values`, exactly as {@link selectInPlace} gives it, in
 * about one pass for large inputs: a strided sample brackets the k-th value between two of its
 * order statistics, one pass counts the values below the bracket and collects those inside, and
 * the k-th is selected among those few (Floyd & Rivest 1975). Falls back to quickselect over all
 * values when the bracket misses. May reorder `values`.
 */
export function selectKth(values: Float64Array, k: number): number {
  const n = values.length;
  if (n < 1 << 16) return selectInPlace(values, k);
  const size = 8192;
  const sample = new Float64Array(size);
  for (let s = 0; s < size; s++) sample[s] = values[Math.floor(((s + 0.5) * n) / size)]!;
  sample.sort();
  const at = (k / n) * size, margin = 3 * Math.sqrt(size);
  const lo = sample[Math.max(0, Math.floor(at - margin))]!, hi = sample[Math.min(size - 1, Math.ceil(at + margin))]!;
  const inside = bracket(values, lo, hi, n >> 2);
  if (inside !== undefined && inside.below <= k && k < inside.below + inside.values.length) return selectInPlace(inside.values, k - inside.below);
  return selectInPlace(values, k);
}

/** How many values lie below `lo`, and those in [lo, hi] (undefined when more than `capacity`). */
function bracket(values: Float64Array, lo: number, hi: number, capacity: number): { below: number; values: Float64Array } | undefined {
  const out = new Float64Array(capacity);
  let below = 0, count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) below++;
    else if (v <= hi) {
      if (count === capacity) return undefined;
      out[count++] = v;
    }
  }
  return { below, values: out.subarray(0, count) };
}

/** The lower median: the ⌊(n−1)/2⌋-th smallest value. Copies its input. */
export function lowerMedian(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const copy = Float64Array.from(values as ArrayLike<number>);
  return selectInPlace(copy, (copy.length - 1) >> 1);
}

/** The q-quantile (0..1) by linear interpolation between order statistics (type 7). Copies its input. */
export function empiricalQuantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
