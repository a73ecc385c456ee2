import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createRandom } from '../random.js';
import { createGramBlocks, dot32, gramWasmAvailable, setGramWasmDisabled, stackFloat32 } from './gram.js';
import { GRAM_KERNEL_WASM_BASE64 } from './gram-kernel-wasm.js';
import { lowerMedian, type Matrix } from './matrix.js';
import { medianBandwidth, mmd2UnbiasedDirect, mmdTest } from './mmd.js';

function gaussian(n: number, d: number, seed: number, shift = 0): Matrix {
  const r = createRandom(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = r.normal() + shift;
  return { rows: n, cols: d, data };
}

afterEach(() => setGramWasmDisabled(false));

describe('gram blocks', () => {
  it('uses the WebAssembly SIMD kernel on Node 20', () => {
    expect(gramWasmAvailable()).toBe(true);
    setGramWasmDisabled(true);
    expect(gramWasmAvailable()).toBe(false);
  });

  it('gives every upper-triangle dot product and kernel value, wasm and JS alike, for odd widths and ragged blocks', () => {
    for (const d of [1, 5, 8]) {
      const x = gaussian(13, d, 1), y = gaussian(6, d, 2);
      const z = [...Array.from({ length: 13 }, (_, i) => x.data.subarray(i * d, (i + 1) * d)), ...Array.from({ length: 6 }, (_, i) => y.data.subarray(i * d, (i + 1) * d))];
      const norms = Float64Array.from(z, (row) => row.reduce((s, v) => s + v * v, 0));
      const gamma = 0.3 / d;
      for (const disabled of [false, true]) {
        setGramWasmDisabled(disabled);
        const blocks = createGramBlocks(x, y, 7, norms);
        expect(blocks.wasm).toBe(!disabled);
        for (let i0 = 0; i0 < 19; i0 += 7) {
          const i1 = Math.min(19, i0 + 7);
          const out = blocks.compute(i0, i1);
          for (let i = i0; i < i1; i++) for (let j = i; j < 19; j++) {
            let s = 0;
            for (let k = 0; k < d; k++) s += z[i]![k]! * z[j]![k]!;
            expect(out[(i - i0) * blocks.stride + j]).toBeCloseTo(s, 12);
          }
          blocks.toKernel(i0, i1, gamma);
          for (let i = i0; i < i1; i++) for (let j = i; j < 19; j++) {
            let s = 0;
            for (let k = 0; k < d; k++) s += (z[i]![k]! - z[j]![k]!) ** 2;
            const k = out[(i - i0) * blocks.stride + j]!;
            expect(Math.abs(k - Math.exp(-gamma * s))).toBeLessThanOrEqual(1e-13 * Math.exp(-gamma * s));
          }
        }
      }
    }
  });

  it('gathers a row at listed indices identically in wasm and JS', () => {
    const x = gaussian(9, 4, 12), y = gaussian(8, 4, 13);
    const norms = new Float64Array(17);
    const lists = Int32Array.from([0, 1, 3, 4, 6, 9, 10, 12, 15, 16, 2, 5, 7]);
    const sums: number[][] = [];
    for (const disabled of [false, true]) {
      setGramWasmDisabled(disabled);
      const blocks = createGramBlocks(x, y, 17, norms, lists);
      const out = blocks.compute(0, 17);
      for (let k = 0; k < 17 * 17; k++) out[k] = Math.sin(k) * 1e3; // the same values on both paths
      const row: number[] = [];
      for (const [start, end] of [[0, 10], [3, 10], [9, 10], [10, 13], [4, 4]] as const) {
        let expected = 0;
        for (let t = start; t < end; t++) expected += out[2 * 17 + lists[t]!]!;
        const got = blocks.gather(2 * 17, start, end);
        expect(got).toBeCloseTo(expected, 12);
        row.push(got);
      }
      sums.push(row);
    }
    expect(sums[0]).toEqual(sums[1]);
  });

  it('gives the same MMD test through either kernel, full or blockwise', () => {
    const x = gaussian(40, 7, 3), y = gaussian(33, 7, 4, 0.3);
    const wasm = mmdTest(x, y, { permutations: 30, seed: 5 });
    const wasmBlocked = mmdTest(x, y, { permutations: 30, seed: 5, blockRows: 5 });
    setGramWasmDisabled(true);
    const js = mmdTest(x, y, { permutations: 30, seed: 5 });
    expect(wasm.pValue).toBe(js.pValue);
    expect(wasmBlocked.pValue).toBe(js.pValue);
    expect(wasm.statistic).toBeCloseTo(js.statistic, 12);
    expect(wasm.nullMean!).toBeCloseTo(js.nullMean!, 12);
    expect(Math.abs(js.statistic - mmd2UnbiasedDirect(x, y, js.sigma2))).toBeLessThanOrEqual(1e-9 * Math.abs(js.statistic));
  });
});

/**
 * Sentence-embedding-like vectors: unit length, a strong direction every text shares (cosine
 * similarities of 0.3–0.8, as real embedders give), a few topics, a decaying spectrum of noise.
 * `mix` shifts the share of the topics (the drift).
 */
function embeddings(n: number, d: number, seed: number, mix = 0): Matrix {
  const r = createRandom(seed);
  const basis = createRandom(99); // the same common direction and topics for every sample
  const common = Float64Array.from({ length: d }, () => basis.normal());
  const topics = Array.from({ length: 4 }, () => Float64Array.from({ length: d }, () => basis.normal()));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const topic = topics[r.next() < 0.5 + mix ? 0 : 1 + Math.floor(r.next() * 3)]!;
    let norm = 0;
    for (let k = 0; k < d; k++) {
      const v = 1.2 * common[k]! + 0.8 * topic[k]! + (r.normal() * 2) / Math.sqrt(1 + k / 8);
      data[i * d + k] = v;
      norm += v * v;
    }
    for (let k = 0; k < d; k++) data[i * d + k] /= Math.sqrt(norm);
  }
  return { rows: n, cols: d, data };
}

describe('float32 kernel', () => {
  it('gives the same products in WebAssembly (gram32) as its exact JS emulation, for odd widths and ragged blocks', () => {
    for (const d of [1, 5, 8, 13]) {
      const x = gaussian(13, d, 1), y = gaussian(6, d, 2, 0.5);
      const f32 = stackFloat32(x, y);
      expect(f32.dp % 4).toBe(0);
      const sums: number[][] = [];
      for (const disabled of [false, true]) {
        setGramWasmDisabled(disabled);
        const blocks = createGramBlocks(x, y, 5, f32.norms, new Int32Array(0), f32);
        const row: number[] = [];
        for (let i0 = 0; i0 < 19; i0 += 5) {
          const i1 = Math.min(19, i0 + 5);
          const out = blocks.compute(i0, i1);
          for (let i = i0; i < i1; i++) {
            for (let j = i; j < 19; j++) row.push(out[(i - i0) * 19 + j]!);
            // a row's product with itself is its norm, so its distance to itself is exactly 0
            expect(out[(i - i0) * 19 + i]).toBe(f32.norms[i]);
            expect(dot32(f32.data, i * f32.dp, i * f32.dp, f32.dp)).toBe(f32.norms[i]);
          }
        }
        sums.push(row);
      }
      expect(sums[0]).toEqual(sums[1]);
    }
  });

  // Measured at 1,000 vs 1,000 × 96 and × 384 (same data): MMD² and every permuted MMD² within
  // 3e-10 of float64 (the null's sd is 2e-4 to 5e-4), σ² within 1e-7 relative, p-values equal.
  it('agrees with the float64 kernel on embedding-like data: MMD² and the null within 1e-8, σ² within 1e-6 relative, the same p-values', () => {
    for (const [mix, seed] of [[0, 1], [0.06, 2], [0.2, 3]] as const) {
      const x = embeddings(300, 96, seed), y = embeddings(280, 96, seed + 10, mix);
      const a = mmdTest(x, y, { permutations: 200, seed: 4 });
      const b = mmdTest(x, y, { permutations: 200, seed: 4, precision: 'float32' });
      expect(Math.abs(b.sigma2 - a.sigma2)).toBeLessThanOrEqual(1e-6 * a.sigma2);
      // MMD² is a difference of kernel means (kernel values ≤ 1): absolute, and tiny against the null's spread
      expect(Math.abs(b.statistic - a.statistic)).toBeLessThanOrEqual(1e-8);
      expect(Math.abs(b.statistic - a.statistic)).toBeLessThanOrEqual(1e-3 * a.nullSd!);
      expect(b.pValue).toBe(a.pValue);
      const nullA = a.nullStatistics!, nullB = b.nullStatistics!;
      for (let p = 0; p < nullA.length; p++) expect(Math.abs(nullB[p]! - nullA[p]!)).toBeLessThanOrEqual(1e-8);
    }
  });

  it('gives the same float32 test through the wasm and the JS kernels, full or blockwise', () => {
    const x = embeddings(40, 7, 3), y = embeddings(33, 7, 4, 0.3);
    const wasm = mmdTest(x, y, { permutations: 30, seed: 5, precision: 'float32' });
    const wasmBlocked = mmdTest(x, y, { permutations: 30, seed: 5, blockRows: 5, precision: 'float32', sigma2: wasm.sigma2 });
    setGramWasmDisabled(true);
    const js = mmdTest(x, y, { permutations: 30, seed: 5, precision: 'float32' });
    expect(js.sigma2).toBe(wasm.sigma2);
    expect(js.statistic).toBe(wasm.statistic);
    expect(js.pValue).toBe(wasm.pValue);
    expect(wasmBlocked.pValue).toBe(wasm.pValue);
    expect(wasmBlocked.statistic).toBeCloseTo(wasm.statistic, 12);
  });
});

describe('medianBandwidth', () => {
  it('samples the same pairs as ever above exactPairs (visited in tile order, same multiset)', () => {
    const x = gaussian(70, 5, 8), y = gaussian(60, 5, 9, 0.2);
    const r = createRandom(4);
    const d2 = new Float64Array(1 << 20);
    for (let s = 0; s < d2.length; s++) {
      const i = Math.floor(r.next() * 70), j = Math.floor(r.next() * 60);
      let acc = 0;
      for (let k = 0; k < 5; k++) acc += (x.data[i * 5 + k]! - y.data[j * 5 + k]!) ** 2;
      d2[s] = acc;
    }
    expect(medianBandwidth(x, y, { exactPairs: 100, random: createRandom(4).next })).toBe(lowerMedian(d2) / 2);
  });

  it('is the same through the wasm and the JS cross-Gram kernels', () => {
    const x = gaussian(50, 9, 10), y = gaussian(41, 9, 11);
    const wasm = medianBandwidth(x, y);
    setGramWasmDisabled(true);
    expect(wasm).toBeCloseTo(medianBandwidth(x, y), 10);
  });
});

describe('blockwise MMD (above 4,096 points)', () => {
  it('equals the direct formula and keeps the permutation stream, whatever the block size', () => {
    const x = gaussian(2000, 3, 6), y = gaussian(2101, 3, 7, 0.05);
    const a = mmdTest(x, y, { permutations: 3, seed: 2, blockRows: 256, threads: 1 });
    const b = mmdTest(x, y, { permutations: 3, seed: 2, blockRows: 100, threads: 1, sigma2: a.sigma2 });
    const direct = mmd2UnbiasedDirect(x, y, a.sigma2);
    expect(Math.abs(a.statistic - direct)).toBeLessThanOrEqual(1e-9 * Math.abs(direct));
    expect(Math.abs(b.statistic - direct)).toBeLessThanOrEqual(1e-9 * Math.abs(direct));
    expect(b.nullMean!).toBeCloseTo(a.nullMean!, 12);
    expect(b.pValue).toBe(a.pValue);
  });
});

const distIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const distWorker = fileURLToPath(new URL('../../dist/multivariate/mmd-worker.js', import.meta.url));
if (!existsSync(distWorker)) console.warn('threaded MMD check skipped: build @vigia/stats first (dist/multivariate/mmd-worker.js is missing)');

describe.skipIf(!existsSync(distWorker))('threaded MMD (built package)', () => {
  it('gives bit-identical results on 1 and 3 threads', () => {
    const script = `
      const { mmdTest, createRandom } = await import(${JSON.stringify(distIndex)});
      const r = createRandom(1);
      const sample = (n) => ({ rows: n, cols: 4, data: Float64Array.from({ length: n * 4 }, () => r.normal()) });
      const x = sample(2100), y = sample(2050);
      const one = mmdTest(x, y, { permutations: 4, seed: 3, threads: 1, blockRows: 64 });
      const three = mmdTest(x, y, { permutations: 4, seed: 3, threads: 3, blockRows: 64 });
      console.log(JSON.stringify([one, three]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const [one, three] = JSON.parse(out) as [Record<string, number>, Record<string, number>];
    expect(three).toEqual(one);
  });

  it('gives bit-identical results on 1 and 2 threads for the whole-matrix kernel (the bandwidth taken by either thread), and runs `alongside` once', () => {
    const script = `
      const { mmdTest, mmdTestSequential, createRandom, prepareMmdThreads } = await import(${JSON.stringify(distIndex)});
      prepareMmdThreads(2);
      const r = createRandom(2);
      const sample = (n, shift) => ({ rows: n, cols: 200, data: Float64Array.from({ length: n * 200 }, () => r.normal() + shift) });
      const x = sample(300, 0), y = sample(310, 0.02);
      let calls = 0;
      const one = mmdTest(x, y, { permutations: 20, seed: 3, threads: 1 });
      // Busy alongside, so that the helper finishes the Gram matrix first and takes the bandwidth itself.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const two = mmdTest(x, y, { permutations: 20, seed: 3, threads: 2, alongside: () => { calls++; const t = performance.now(); while (performance.now() - t < 300); } });
      const seq = mmdTestSequential(x, y, { permutations: 5, maxPermutations: 40, stopAfter: 100, seed: 3, threads: 2, alongside: () => { calls++; } });
      const seqOne = mmdTestSequential(x, y, { permutations: 5, maxPermutations: 40, stopAfter: 100, seed: 3, threads: 1 });
      console.log(JSON.stringify([one, two, calls, seq, seqOne]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    const [one, two, calls, seq, seqOne] = JSON.parse(out) as [Record<string, number>, Record<string, number>, number, Record<string, number>, Record<string, number>];
    expect(two).toEqual(one);
    expect(seq).toEqual(seqOne);
    expect(calls).toBe(2);
  });
});

const watPath = fileURLToPath(new URL('./gram-kernel.wat', import.meta.url));
const wabtAvailable = await import('wabt').then(() => true, () => false);
if (!wabtAvailable) console.warn('gram-kernel.wat check skipped: the wabt devDependency is not installed');

describe.skipIf(!wabtAvailable || !existsSync(watPath))('gram-kernel-wasm.ts', () => {
  it('embeds exactly the module compiled from gram-kernel.wat (regenerate: node packages/stats/scripts/build-wasm.mjs)', async () => {
    // @ts-expect-error: plain .mjs script without type declarations
    const { renderWasmModule } = (await import('../../scripts/build-wasm.mjs')) as { renderWasmModule: (wat: string) => Promise<string> };
    const generated = await renderWasmModule(readFileSync(watPath, 'utf8'));
    expect(generated).toContain(GRAM_KERNEL_WASM_BASE64.slice(0, 100));
    const committed = readFileSync(fileURLToPath(new URL('./gram-kernel-wasm.ts', import.meta.url)), 'utf8');
    expect(committed).toBe(generated);
  });
});
