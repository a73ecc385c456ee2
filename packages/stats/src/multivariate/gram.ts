/**
 * Row blocks of the upper-triangle Gram matrix of two stacked samples, for the MMD test: a
 * WebAssembly SIMD kernel (gram-kernel.wat, f64x2, ~4× the scalar JS loop) where WebAssembly with
 * SIMD is available, the JS {@link gramUpper} otherwise. Both give float64 dot products.
 */
import { GRAM_KERNEL_WASM_BASE64 } from './gram-kernel-wasm.js';
import { gramUpper, stackRows, type Matrix } from './matrix.js';

/** Columns of the Gram matrix handled per kernel call, so that the rows swept stay in cache. */
const COLUMN_TILE = 256;
const PAGE = 65536;
/** Largest wasm32 memory (65536 pages); bigger problems use the JS kernel. */
const MAX_WASM_BYTES = 4 * 1024 ** 3 - PAGE;

/** The few WebAssembly JS-API members used here (the ES2023 lib has no WebAssembly types). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmModule { readonly kind?: 'module' }
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

type GramKernel = (z: number, dp: number, i0: number, i1: number, j0: number, j1: number, out: number, stride: number) => void;

let wasmModule: WasmModule | null | undefined;
let wasmDisabled = false;

function loadModule(): WasmModule | null {
  if (wasmModule !== undefined) return wasmModule;
  if (wasmApi === undefined) return (wasmModule = null);
  try {
    const bytes = Uint8Array.from(atob(GRAM_KERNEL_WASM_BASE64), (c) => c.charCodeAt(0));
    wasmModule = new wasmApi.Module(bytes);
  } catch {
    wasmModule = null; // no WebAssembly, or no SIMD: use the JS kernel
  }
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
  /**
   * Dot products of rows [i0, i1) (at most `maxRows` of them) with rows j ≥ i, in
   * `out[(i − i0) · stride + j]` of the returned array, which is reused (overwritten) by the
   * next call and may be rewritten freely until then.
   */
  compute(i0: number, i1: number): Float64Array;
}

/** A Gram workspace for the rows of `x` stacked over the rows of `y`, computing up to `maxRows` rows at a time. */
export function createGramBlocks(x: Matrix, y: Matrix, maxRows: number): GramBlocks {
  if (x.cols !== y.cols) throw new RangeError(`cannot stack ${x.cols}-column and ${y.cols}-column matrices`);
  const N = x.rows + y.rows, d = x.cols;
  const dp = d + (d & 1); // even, so every row is a whole number of f64x2 lanes (zero padding)
  const zBytes = N * dp * 8, outBytes = maxRows * N * 8;
  const module = wasmDisabled || d === 0 || zBytes + outBytes > MAX_WASM_BYTES ? null : loadModule();
  if (module !== null) {
    try {
      const instance = new wasmApi!.Instance(module, {});
      const memory = instance.exports.memory as WasmMemory;
      const kernel = instance.exports.gram as GramKernel;
      const need = Math.ceil((zBytes + outBytes) / PAGE) - memory.buffer.byteLength / PAGE;
      if (need > 0) memory.grow(need);
      const z = new Float64Array(memory.buffer, 0, N * dp);
      if (dp === d) {
        z.set(x.data, 0);
        z.set(y.data, x.data.length);
      } else {
        for (let i = 0; i < x.rows; i++) z.set(x.data.subarray(i * d, (i + 1) * d), i * dp);
        for (let i = 0; i < y.rows; i++) z.set(y.data.subarray(i * d, (i + 1) * d), (x.rows + i) * dp);
      }
      const out = new Float64Array(memory.buffer, zBytes, maxRows * N);
      return {
        rows: N, stride: N, wasm: true,
        compute(i0, i1) {
          for (let j0 = i0; j0 < N; j0 += COLUMN_TILE) kernel(0, dp, i0, i1, j0, Math.min(N, j0 + COLUMN_TILE), zBytes, N);
          return out;
        },
      };
    } catch {
      // memory could not grow (or instantiate): fall through to the JS kernel
    }
  }
  const z = stackRows(x, y);
  const out = new Float64Array(maxRows * N);
  return {
    rows: N, stride: N, wasm: false,
    compute(i0, i1) {
      gramUpper(z, i0, i1, out, N);
      return out;
    },
  };
}
