/**
 * Row blocks of the upper-triangle Gram matrix of two stacked samples, for the MMD test: a
 * WebAssembly SIMD kernel (gram-kernel.wat, f64x2, ~4× the scalar JS loop) where WebAssembly with
 * SIMD is available, the JS {@link gramUpper} otherwise. Both give float64 dot products. Given
 * {@link Float32Rows} instead, the float32 kernel (gram32, f32x4: twice the products per
 * instruction) on the centred, float32-rounded rows, or its exact JS emulation.
 */
import { GRAM_KERNEL_SHARED_WASM_BASE64, GRAM_KERNEL_WASM_BASE64 } from './gram-kernel-wasm.js';
import { gramUpper, stackRows, type Matrix } from './matrix.js';

/** Columns of the Gram matrix handled per kernel call, so that the rows swept stay in cache. */
const COLUMN_TILE = 256;
const PAGE = 65536;
/** Largest wasm32 memory (65536 pages); bigger problems use the JS kernel. */
const MAX_WASM_BYTES = 4 * 1024 ** 3 - PAGE;

/** The few WebAssembly JS-API members used here (the ES2023 lib has no WebAssembly types). */
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer; grow(pages: number): number }
interface WasmModule { readonly kind?: 'module' }
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type GramKernel = (z: number, dp: number, i0: number, i1: number, j0: number, j1: number, out: number, stride: number) => void;

/**
 * Two stacked samples as the float32 kernel reads them: each row minus the pooled mean (which
 * leaves every distance as it was and keeps the products small, so little cancels in
 * ‖a‖² + ‖b‖² − 2a·b), rounded to float32, zero-padded to a multiple of 4.
 */
export interface Float32Rows {
  readonly rows: number;
  /** Padded row length (a multiple of 4). */
  readonly dp: number;
  readonly data: Float32Array;
  /** Each row's squared norm summed exactly as gram32 sums a product (so a row is at distance 0 from itself). */
  readonly norms: Float64Array;
}

/** x over y, centred on their pooled mean and rounded to float32 (see {@link Float32Rows}). */
export function stackFloat32(x: Matrix, y: Matrix): Float32Rows {
  if (x.cols !== y.cols) throw new RangeError(`cannot stack ${x.cols}-column and ${y.cols}-column matrices`);
  const d = x.cols, N = x.rows + y.rows, dp = (d + 3) & ~3;
  const mean = new Float64Array(d);
  for (const m of [x, y]) for (let i = 0; i < m.rows; i++) addRow(mean, m.data, i * d, d);
  for (let k = 0; k < d; k++) mean[k] /= N;
  const data = new Float32Array(N * dp);
  for (let i = 0; i < x.rows; i++) centreRow(data, i * dp, x.data, i * d, mean, d);
  for (let i = 0; i < y.rows; i++) centreRow(data, (x.rows + i) * dp, y.data, i * d, mean, d);
  const norms = new Float64Array(N);
  for (let i = 0; i < N; i++) norms[i] = dot32(data, i * dp, i * dp, dp);
  return { rows: N, dp, data, norms };
}

function addRow(sum: Float64Array, data: Float64Array, o: number, d: number): void {
  for (let k = 0; k < d; k++) sum[k] += data[o + k]!;
}

function centreRow(out: Float32Array, o: number, data: Float64Array, i: number, mean: Float64Array, d: number): void {
  for (let k = 0; k < d; k++) out[o + k] = data[i + k]! - mean[k]!;
}

/**
 * The dot product of two rows exactly as gram32 computes it: four float32 running sums (k mod 4)
 * of float32 products, then (s0 + s2) + (s1 + s3) in float64 (Math.fround rounds each step to
 * float32 as the SIMD lanes do; float64 holds every intermediate exactly before that rounding).
 */
export function dot32(z: Float32Array, a: number, b: number, dp: number): number {
  const f = Math.fround;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let k = 0; k < dp; k += 4) {
    s0 = f(s0 + f(z[a + k]! * z[b + k]!));
    s1 = f(s1 + f(z[a + k + 1]! * z[b + k + 1]!));
    s2 = f(s2 + f(z[a + k + 2]! * z[b + k + 2]!));
    s3 = f(s3 + f(z[a + k + 3]! * z[b + k + 3]!));
  }
  return (s0 + s2) + (s1 + s3);
}
type RbfKernel = (row: number, norms: number, ni: number, gamma: number, j0: number, j1: number) => void;
type GatherKernel = (row: number, p: number, end: number) => number;

let wasmModule: WasmModule | null | undefined;
let sharedModule: WasmModule | null | undefined;
let wasmDisabled = false;

function compile(base64: string): WasmModule | null {
  if (wasmApi === undefined) return null;
  try {
    return new wasmApi.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return null; // no WebAssembly SIMD (or threads): use the JS kernel
  }
}

/** A fresh instance of the kernel module whose memory has grown to hold at least `bytes` (throws when it cannot). */
function instantiate(module: WasmModule, bytes: number): { exports: Record<string, unknown>; memory: WasmMemory } {
  const instance = new wasmApi!.Instance(module, {});
  const memory = instance.exports.memory as WasmMemory;
  const need = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
  if (need > 0) memory.grow(need);
  return { exports: instance.exports, memory };
}

function loadModule(): WasmModule | null {
  if (wasmModule === undefined) wasmModule = compile(GRAM_KERNEL_WASM_BASE64);
  return wasmModule;
}

/** Turns the WebAssembly kernel off (true) or back on, e.g. to compare it with the JS kernel. */
export function setGramWasmDisabled(disabled: boolean): void {
  wasmDisabled = disabled;
}

/** Whether {@link createGramBlocks} will use the WebAssembly SIMD kernel in this runtime. */
export function gramWasmAvailable(): boolean {
  return !wasmDisabled && loadModule() !== null;
}

export interface GramBlocks {
  /** Rows of x then y. */
  readonly rows: number;
  /** Row stride of the arrays returned by {@link compute} (= rows). */
  readonly stride: number;
  readonly wasm: boolean;
  /** The array {@link compute} returns (a view into the workspace). */
  readonly output: Float64Array;
  /**
   * Dot products of rows [i0, i1) (at most `maxRows` of them) with rows j ≥ i, in
   * `out[(i − i0) · stride + j]` of the returned array, which is reused (overwritten) by the
   * next call and may be rewritten freely until then.
   */
  compute(i0: number, i1: number): Float64Array;
  /**
   * Turns rows [i0, i1) of the last {@link compute} result, j ≥ i, into Gaussian RBF kernel values
   * exp(−γ·max(0, ‖zᵢ‖² + ‖zⱼ‖² − 2 zᵢ·zⱼ)) in place (the wasm path: a SIMD exp within 2 ulp of Math.exp).
   */
  toKernel(i0: number, i1: number, gamma: number): void;
  /**
   * Σ over t in [start, end) of the last result at `offset + lists[t]` (`lists` as given at
   * creation), in four running sums (t mod 4) added as (s0 + s1) + (s2 + s3) on every path.
   */
  gather(offset: number, start: number, end: number): number;
}

/**
 * A Gram workspace for the rows of `x` stacked over the rows of `y`, computing up to `maxRows`
 * rows at a time; `norms` are the stacked rows' squared norms (for {@link GramBlocks.toKernel}),
 * `lists` the indices for {@link GramBlocks.gather}.
 */
export function createGramBlocks(x: Matrix, y: Matrix, maxRows: number, norms: Float64Array, lists: Int32Array = new Int32Array(0), f32?: Float32Rows): GramBlocks {
  if (x.cols !== y.cols) throw new RangeError(`cannot stack ${x.cols}-column and ${y.cols}-column matrices`);
  const N = x.rows + y.rows, d = x.cols;
  // Rows are whole vectors (f64x2 or f32x4 lanes), zero-padded.
  const dp = f32 ? f32.dp : d + (d & 1);
  const zBytes = N * dp * (f32 ? 4 : 8), outBytes = tablesBytes(N, lists) + maxRows * N * 8;
  const module = wasmDisabled || d === 0 || zBytes + outBytes > MAX_WASM_BYTES ? null : loadModule();
  if (module !== null) {
    try {
      const { exports, memory } = instantiate(module, zBytes + outBytes);
      const layout = { N, dp, maxRows, zBytes, listsLength: lists.length, f32: f32 !== undefined };
      fillMemory(memory, layout, x, y, norms, lists, f32);
      return wasmBlocks(exports, memory, layout, 0);
    } catch {
      // memory could not grow (or instantiate): fall through to the JS kernel
    }
  }
  const z = f32 ? undefined : stackRows(x, y);
  const out = new Float64Array(maxRows * N);
  return {
    rows: N, stride: N, wasm: false, output: out,
    compute(i0, i1) {
      if (z) gramUpper(z, i0, i1, out, N);
      else gramUpper32(f32!, i0, i1, out, N);
      return out;
    },
    toKernel(i0, i1, gamma) {
      for (let i = i0; i < i1; i++) {
        const base = (i - i0) * N, ni = norms[i]!;
        for (let j = i; j < N; j++) {
          const d2 = ni + norms[j]! - 2 * out[base + j]!;
          out[base + j] = Math.exp(-gamma * (d2 > 0 ? d2 : 0));
        }
      }
    },
    gather(offset, start, end) {
      let t = start, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (; t + 3 < end; t += 4) {
        s0 += out[offset + lists[t]!]!;
        s1 += out[offset + lists[t + 1]!]!;
        s2 += out[offset + lists[t + 2]!]!;
        s3 += out[offset + lists[t + 3]!]!;
      }
      for (; t < end; t++) s0 += out[offset + lists[t]!]!;
      return s0 + s1 + (s2 + s3);
    },
  };
}

/** {@link gramUpper} by the float32 kernel's arithmetic ({@link dot32}): the same values as the WebAssembly gram32. */
function gramUpper32(z: Float32Rows, i0: number, i1: number, out: Float64Array, stride: number): void {
  const { rows: N, dp, data } = z;
  for (let i = i0; i < i1; i++) {
    const r = (i - i0) * stride;
    for (let j = i; j < N; j++) out[r + j] = dot32(data, i * dp, j * dp, dp);
  }
}

/** Bytes of the norms (N f64) and the gather lists (i32, padded to 8 bytes) between the samples and the outputs. */
function tablesBytes(N: number, lists: Int32Array): number {
  return N * 8 + Math.ceil(lists.length / 2) * 8;
}

function fillMemory(memory: WasmMemory, layout: WasmLayout, x: Matrix, y: Matrix, norms: Float64Array, lists: Int32Array, f32: Float32Rows | undefined): void {
  const { N, dp, zBytes } = layout;
  if (f32) new Float32Array(memory.buffer, 0, N * dp).set(f32.data);
  else copyPadded(x, y, new Float64Array(memory.buffer, 0, N * dp), dp);
  new Float64Array(memory.buffer, zBytes, N).set(norms);
  new Int32Array(memory.buffer, zBytes + N * 8, lists.length).set(lists);
}

function copyPadded(x: Matrix, y: Matrix, z: Float64Array, dp: number): void {
  const d = x.cols;
  if (dp === d) {
    z.set(x.data, 0);
    z.set(y.data, x.data.length);
    return;
  }
  for (let i = 0; i < x.rows; i++) z.set(x.data.subarray(i * d, (i + 1) * d), i * dp);
  for (let i = 0; i < y.rows; i++) z.set(y.data.subarray(i * d, (i + 1) * d), (x.rows + i) * dp);
}

interface WasmLayout {
  readonly N: number;
  /** Padded row length of the stacked samples at offset 0. */
  readonly dp: number;
  readonly maxRows: number;
  /**
   * Bytes of the stacked samples; their squared norms (N f64), the gather lists (listsLength i32,
   * padded to 8 bytes), then the output regions (maxRows × N f64 each) follow.
   */
  readonly zBytes: number;
  readonly listsLength: number;
  /** Float32 rows (gram32) instead of float64 (gram). */
  readonly f32: boolean;
}

function wasmBlocks(exports: Record<string, unknown>, memory: WasmMemory, layout: WasmLayout, region: number, absolute = false): GramBlocks {
  const kernel = (layout.f32 ? exports.gram32 : exports.gram) as GramKernel, rbf = exports.rbf as RbfKernel, gsum = exports.gsum as GatherKernel;
  const { N, dp, maxRows, zBytes, listsLength } = layout;
  const listsOffset = zBytes + N * 8;
  const outOffset = listsOffset + Math.ceil(listsLength / 2) * 8 + region * maxRows * N * 8;
  const out = new Float64Array(memory.buffer, outOffset, maxRows * N);
  const norms = new Float64Array(memory.buffer, zBytes, N);
  // Absolute rows: row i of every block at out[i · N] (the whole matrix, maxRows = N), so threads
  // computing different blocks fill one shared matrix.
  const rowOffset = (i0: number): number => (absolute ? outOffset + i0 * N * 8 : outOffset);
  return {
    rows: N, stride: N, wasm: true, output: out,
    compute(i0, i1) {
      for (let j0 = i0; j0 < N; j0 += COLUMN_TILE) kernel(0, dp, i0, i1, j0, Math.min(N, j0 + COLUMN_TILE), rowOffset(i0), N);
      return out;
    },
    toKernel(i0, i1, gamma) {
      for (let i = i0; i < i1; i++) rbf(rowOffset(i0) + (i - i0) * N * 8, zBytes, norms[i]!, gamma, i, N);
    },
    gather(offset, start, end) {
      return gsum(outOffset + offset * 8, listsOffset + start * 4, listsOffset + end * 4);
    },
  };
}

/** The stacked samples in a shared WebAssembly memory, with one output region per thread. */
export interface SharedGram extends WasmLayout {
  readonly memory: WasmMemory;
  readonly regions: number;
}

/**
 * A shared-memory Gram workspace for `regions` threads, or null where shared WebAssembly memory
 * (or SIMD) is unavailable or the problem exceeds 4 GiB.
 */
export function createSharedGram(x: Matrix, y: Matrix, maxRows: number, regions: number, norms: Float64Array, lists: Int32Array, f32?: Float32Rows): SharedGram | null {
  if (wasmDisabled || wasmApi === undefined || typeof SharedArrayBuffer === 'undefined') return null;
  if (sharedModule === undefined) sharedModule = compile(GRAM_KERNEL_SHARED_WASM_BASE64);
  if (sharedModule === null) return null;
  const N = x.rows + y.rows, d = x.cols, dp = f32 ? f32.dp : d + (d & 1);
  const zBytes = N * dp * (f32 ? 4 : 8);
  const bytes = zBytes + tablesBytes(N, lists) + regions * maxRows * N * 8;
  if (d === 0 || bytes > MAX_WASM_BYTES) return null;
  try {
    const pages = Math.ceil(bytes / PAGE);
    const memory = new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
    const shared = { memory, N, dp, maxRows, zBytes, listsLength: lists.length, regions, f32: f32 !== undefined };
    fillMemory(memory, shared, x, y, norms, lists, f32);
    return shared;
  } catch {
    return null;
  }
}

/**
 * Gram blocks computed into output region `region` of a {@link SharedGram} (one per thread); with
 * `absolute` (a one-region workspace whose `maxRows` is every row), each block's rows at their
 * own place in the one matrix: row i at `i · N` of what {@link GramBlocks.compute} returns, and
 * `gather` offsets counted from its start.
 */
export function sharedGramBlocks(shared: SharedGram, region: number, absolute = false): GramBlocks {
  if (sharedModule === undefined) sharedModule = compile(GRAM_KERNEL_SHARED_WASM_BASE64);
  if (sharedModule === null || wasmApi === undefined) throw new Error('WebAssembly SIMD with shared memory is unavailable');
  if (absolute && (shared.maxRows !== shared.N || region !== 0)) throw new RangeError('absolute rows need one region of every row');
  const instance = new wasmApi.Instance(sharedModule, { env: { memory: shared.memory } });
  return wasmBlocks(instance.exports, shared.memory, shared, region, absolute);
}

/**
 * `out = A · v[offset, offset + cols)` for a fixed matrix A (rows × cols) by the WebAssembly
 * kernel, v stored as one more row of A (a Lanczos matrix-vector product at f64x2 speed); null
 * where the kernel is unavailable. Each entry is the kernel's dot product (its own order of adds).
 */
export function createMatVec(a: Matrix): ((v: Float64Array, offset: number, out: Float64Array) => void) | null {
  const { rows: n, cols: d } = a;
  const dp = d + (d & 1);
  const zBytes = (n + 1) * dp * 8, bytes = zBytes + n * 8;
  const module = wasmDisabled || d === 0 || n === 0 || bytes > MAX_WASM_BYTES ? null : loadModule();
  if (module === null) return null;
  try {
    const { exports, memory } = instantiate(module, bytes);
    const kernel = exports.gram as GramKernel;
    const z = new Float64Array(memory.buffer, 0, (n + 1) * dp);
    for (let i = 0; i < n; i++) z.set(a.data.subarray(i * d, (i + 1) * d), i * dp);
    const row = n * dp;
    const result = new Float64Array(memory.buffer, zBytes, n);
    return (v, offset, out) => {
      z.set(v.subarray(offset, offset + d), row);
      // Rows [0, n) against row n, cell (i, n) written at zBytes + 8i (row stride 1).
      kernel(0, dp, 0, n, n, n + 1, zBytes - 8 * n, 1);
      out.set(result);
    };
  } catch {
    return null;
  }
}

/**
 * Dot products of every row of `x` with every row of `y` (x.rows × y.rows, row-major) by the
 * WebAssembly kernel, as a view into a fresh WebAssembly memory (rewrite it freely); null where
 * the kernel is unavailable, so callers fall back to {@link gramCross}.
 */
export function gramCrossWasm(x: Matrix, y: Matrix): Float64Array | null {
  if (x.cols !== y.cols) throw new RangeError(`column mismatch: ${x.cols} vs ${y.cols}`);
  const m = x.rows, n = y.rows, N = m + n, d = x.cols, dp = d + (d & 1);
  const zBytes = N * dp * 8, bytes = zBytes + m * n * 8;
  const module = wasmDisabled || d === 0 || m === 0 || bytes > MAX_WASM_BYTES ? null : loadModule();
  if (module === null) return null;
  try {
    const { exports, memory } = instantiate(module, bytes);
    const kernel = exports.gram as GramKernel;
    copyPadded(x, y, new Float64Array(memory.buffer, 0, N * dp), dp);
    // Rows i < m against rows j ≥ m of the stack (always j > i), written at (i·n + j − m).
    for (let j0 = m; j0 < N; j0 += COLUMN_TILE) kernel(0, dp, 0, m, j0, Math.min(N, j0 + COLUMN_TILE), zBytes - m * 8, n);
    return new Float64Array(memory.buffer, zBytes, m * n);
  } catch {
    return null;
  }
}
