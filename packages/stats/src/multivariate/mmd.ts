/**
 * Kernel two-sample test: unbiased MMD² (Gretton et al. 2012, eq. 3) with a Gaussian RBF kernel
 * and a permutation p-value, computed in one pass over the pooled kernel matrix.
 *
 * A split of the pooled points is fixed by its smaller group G (g points). With `rᵢ = Σⱼ Kᵢⱼ`,
 * `T = Σᵢ rᵢ`, `dᵢ = Kᵢᵢ`, `Q = Σ_{i<j ∈ G} Kᵢⱼ` and `R = Σ_{i∈G} rᵢ`, `D = Σ_{i∈G} dᵢ`:
 *   within G = 2Q,   across = R − 2Q − D,   within the rest = T − 2R + 2Q + D − (Σ dᵢ − D)
 *   MMD²ᵤ = Sxx / m(m−1) + Syy / n(n−1) − 2·Sxy / mn
 * so each permuted statistic needs only Q: g²/2 gathered adds along the kernel rows, by G's
 * sorted index list (50M adds for 1,000 vs 1,000 and 100 permutations, against 400M multiply-adds
 * for the dense product K·A). The kernel is built once, upper triangle only: whole for up to 4,096
 * points, in blocks of rows beyond, each row turned into kernel values and consumed while in
 * cache, so memory is O(block·N + N·P) and 10,000 vs 10,000 never holds the 20k×20k kernel. The
 * Gram products, kernel values and gathers run in a WebAssembly SIMD kernel where available
 * (gram.ts, gram-kernel.wat), in JS otherwise; blockwise, row blocks are dealt to lanes with their
 * own accumulators (mmd-rows.ts), run by this thread and worker threads (mmd-worker.ts) over
 * shared memory, so the result is the same for any number of threads.
 */
import { SEQUENTIAL_STOP_AFTER, sequentialPValue, type SequentialPermutations } from './sequential.js';
import { createRandom, shuffleInPlace, type Random } from '../random.js';
import { createGramBlocks, createSharedGram, gramCrossWasm, sharedGramBlocks, type GramBlocks } from './gram.js';
import { claimLanes, consumeBlock, runLane, type RowTables } from './mmd-rows.js';
import { gramCross, selectKth, squaredNorms, type Matrix } from './matrix.js';

export interface MmdOptions {
  /** Number of permutations for the p-value (default 100); 0 computes the statistic only. */
  permutations?: number;
  /** Uniform generator for the permutations (default: seeded with `seed`). */
  random?: Random;
  /** Seed when `random` is not given (default 0). */
  seed?: number;
  /** Kernel bandwidth σ² in k(x, y) = exp(−‖x−y‖² / 2σ²); default ½ · lower median of the squared reference–current distances. */
  sigma2?: number;
  /** Rows of the kernel computed per block above 4,096 points (default 256). */
  blockRows?: number;
  /**
   * Threads for the blockwise kernel above 4,096 points (default: the available cores, at most
   * 4): the calling thread plus worker threads over shared memory, where Node's worker_threads,
   * SharedArrayBuffer and WebAssembly SIMD are available. The result does not depend on it.
   */
  threads?: number;
  /**
   * Largest m·n for which the median distance is computed exactly (default 2²⁴); above it, the
   * median of a seeded sample of 2²⁰ reference–current pairs is used.
   */
  exactMedianPairs?: number;
}

export interface MmdResult {
  /** Unbiased MMD² of the observed split. */
  statistic: number;
  /** (1 + #{permuted ≥ observed}) / (1 + permutations); null when permutations is 0. */
  pValue: number | null;
  /** Bandwidth σ² used. */
  sigma2: number;
  permutations: number;
  /** Mean and standard deviation of MMD² over the permutations (null without permutations). */
  nullMean: number | null;
  nullSd: number | null;
  /** MMD² of each permuted split, in the order drawn (empty without permutations). */
  nullStatistics?: Float64Array;
  /** The observed split's MMD² by the permutations' own formula (what they are compared with). */
  comparedStatistic?: number;
}

const FULL_KERNEL_MAX_N = 4096;
/** Row blocks are dealt to this many lanes, each with its own accumulators (see mmd-rows.ts). */
const LANES = 16;
const MAX_DEFAULT_THREADS = 4;
const SAMPLED_PAIRS = 1 << 20; // a multiple of 4

/**
 * σ² = ½ · lower median of ‖xᵢ − yⱼ‖² over reference–current pairs (the median heuristic, as in
 * alibi-detect). Exact up to `exactPairs` pairs, a seeded sample of 2²⁰ pairs beyond.
 */
export function medianBandwidth(x: Matrix, y: Matrix, options: { exactPairs?: number; random?: Random } = {}): number {
  const m = x.rows, n = y.rows;
  const nx = squaredNorms(x), ny = squaredNorms(y);
  let d2: Float64Array;
  if (m * n <= (options.exactPairs ?? 1 << 24)) {
    const g = gramCrossWasm(x, y) ?? gramCross(x, y);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g[i * n + j] = Math.max(0, nx[i]! + ny[j]! - 2 * g[i * n + j]!);
    d2 = g;
  } else {
    const random = options.random ?? createRandom(0).next;
    const pi = new Int32Array(SAMPLED_PAIRS), pj = new Int32Array(SAMPLED_PAIRS);
    for (let s = 0; s < SAMPLED_PAIRS; s++) {
      pi[s] = Math.floor(random() * m);
      pj[s] = Math.floor(random() * n);
    }
    // Visit the pairs tile by tile (64 × 64 rows, a counting sort) so both rows come from cache;
    // the median depends only on the multiset of distances, not on their order.
    const tilesJ = Math.ceil(n / 64);
    const start = new Int32Array(Math.ceil(m / 64) * tilesJ + 1);
    for (let s = 0; s < SAMPLED_PAIRS; s++) start[(pi[s]! >> 6) * tilesJ + (pj[s]! >> 6) + 1]++;
    for (let t = 1; t < start.length; t++) start[t] += start[t - 1]!;
    const sorted = new Int32Array(SAMPLED_PAIRS);
    for (let s = 0; s < SAMPLED_PAIRS; s++) sorted[start[(pi[s]! >> 6) * tilesJ + (pj[s]! >> 6)]++] = s;
    d2 = new Float64Array(SAMPLED_PAIRS);
    const d = x.cols, X = x.data, Y = y.data;
    // Four pairs at a time, each summed in order over k (four independent add chains).
    for (let t = 0; t < SAMPLED_PAIRS; t += 4) {
      const s0 = sorted[t]!, s1 = sorted[t + 1]!, s2 = sorted[t + 2]!, s3 = sorted[t + 3]!;
      const x0 = pi[s0]! * d, y0 = pj[s0]! * d, x1 = pi[s1]! * d, y1 = pj[s1]! * d;
      const x2 = pi[s2]! * d, y2 = pj[s2]! * d, x3 = pi[s3]! * d, y3 = pj[s3]! * d;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let k = 0; k < d; k++) {
        const e0 = X[x0 + k]! - Y[y0 + k]!, e1 = X[x1 + k]! - Y[y1 + k]!;
        const e2 = X[x2 + k]! - Y[y2 + k]!, e3 = X[x3 + k]! - Y[y3 + k]!;
        a0 += e0 * e0; a1 += e1 * e1; a2 += e2 * e2; a3 += e3 * e3;
      }
      d2[t] = a0; d2[t + 1] = a1; d2[t + 2] = a2; d2[t + 3] = a3;
    }
  }
  return bandwidthFromSquaredDistances(d2);
}

/** ‖xᵢ − yⱼ‖² = max(0, ‖xᵢ‖² + ‖yⱼ‖² − 2 xᵢ·yⱼ) from the stacked Gram matrix (row stride m + n). */
function crossSquaredDistances(gram: Float64Array, norms: Float64Array, m: number, n: number): Float64Array {
  const N = m + n;
  const d2 = new Float64Array(m * n);
  for (let i = 0; i < m; i++) crossRow(gram, i * N + m, norms, i, m, n, d2, i * n);
  return d2;
}

/** One row of {@link crossSquaredDistances} (a small function: optimised once, not on stack replacement). */
function crossRow(gram: Float64Array, g0: number, norms: Float64Array, i: number, m: number, n: number, out: Float64Array, o: number): void {
  const ni = norms[i]!;
  for (let j = 0; j < n; j++) out[o + j] = Math.max(0, ni + norms[m + j]! - 2 * gram[g0 + j]!);
}

function bandwidthFromSquaredDistances(d2: Float64Array): number {
  const median = selectKth(d2, (d2.length - 1) >> 1);
  if (median > 0) return median / 2;
  // More than half the pairs coincide: fall back to the mean of the positive distances.
  let sum = 0, count = 0;
  for (const v of d2) if (v > 0) { sum += v; count++; }
  return count > 0 ? sum / count / 2 : 1;
}

/** Unbiased MMD² and its permutation p-value (see the module comment for the algorithm). */
export function mmdTest(x: Matrix, y: Matrix, options: MmdOptions = {}): MmdResult {
  const m = x.rows, n = y.rows;
  if (m < 2 || n < 2) throw new RangeError(`MMD needs at least 2 points per sample (got ${m} and ${n})`);
  if (x.cols !== y.cols) throw new RangeError(`MMD needs vectors of one length (got ${x.cols} and ${y.cols})`);
  const permutations = Math.max(0, Math.floor(options.permutations ?? 100));
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const N = m + n;
  const norms = new Float64Array(N);
  norms.set(squaredNorms(x), 0);
  norms.set(squaredNorms(y), m);
  const P = permutations + 1;

  // Each split is tracked by its smaller group G (the reference points when m ≤ n): column p's
  // members as a sorted index list, and a membership table (N × P, row-major). Column 0 is the
  // observed split, the others the seeded shuffles (the same stream as ever: one full shuffle of
  // the pooled order per permutation, the first m positions labelled "reference").
  const groupIsX = m <= n;
  const g = groupIsX ? m : n;
  const full = N <= FULL_KERNEL_MAX_N;
  const blockRows = full ? N : Math.min(N, Math.max(3, Math.floor(options.blockRows ?? 256)));
  const blocks = Math.ceil(N / blockRows);
  const lanes = Math.min(blocks, LANES);
  const threading = full ? null : threadSupport(options.threads);
  const shared = threading !== null;
  const alloc = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const member = new Uint8Array(alloc(N * P));
  for (let i = groupIsX ? 0 : m, end = groupIsX ? m : N; i < end; i++) member[i * P] = 1;
  const order = Int32Array.from({ length: N }, (_, i) => i);
  for (let p = 1; p < P; p++) {
    shuffleInPlace(order, random);
    for (let r = groupIsX ? 0 : m, end = groupIsX ? m : N; r < end; r++) member[order[r]! * P + p] = 1;
  }
  const lists = new Int32Array(alloc(P * g * 4));
  const blockCursor = new Int32Array(alloc(blocks * P * 4));
  const cursor = new Int32Array(P);
  for (let i = 0; i < N; i++) {
    const o = i * P;
    if (i % blockRows === 0) blockCursor.set(cursor, (i / blockRows) * P);
    for (let p = 0; p < P; p++) if (member[o + p] !== 0) lists[p * g + cursor[p]++] = i;
  }

  const exactPairs = options.exactMedianPairs ?? 1 << 24;
  let sigma2 = options.sigma2;
  let gram: GramBlocks | undefined;
  let fullGram: Float64Array | undefined;
  if (full) {
    gram = createGramBlocks(x, y, N, norms, lists);
    fullGram = gram.compute(0, N);
    if (sigma2 === undefined) {
      if (m * n <= exactPairs) {
        // The reference–current block of the Gram matrix just computed: no second O(m·n·d) pass.
        sigma2 = bandwidthFromSquaredDistances(crossSquaredDistances(fullGram, norms, m, n));
      } else {
        sigma2 = medianBandwidth(x, y, { exactPairs, random });
      }
    }
  } else if (sigma2 === undefined) {
    sigma2 = medianBandwidth(x, y, { exactPairs, random });
  }
  if (!(sigma2 > 0) || !Number.isFinite(sigma2)) throw new RangeError(`MMD bandwidth σ² must be a positive number (got ${sigma2})`);

  const tables: RowTables = {
    N, m, P, g, blockRows, lanes, gamma: 1 / (2 * sigma2), member, lists, blockCursor,
    diag: new Float64Array(alloc(N * 8)),
    laneRows: new Float64Array(alloc(lanes * N * 8)),
    laneQuad: new Float64Array(alloc(lanes * P * 8)),
    laneObserved: new Float64Array(alloc(lanes * 3 * 8)),
    control: new Int32Array(alloc((1 + lanes) * 4)),
  };
  if (full) {
    gram!.toKernel(0, N, tables.gamma);
    consumeBlock(tables, 0, 0, N, gram!, fullGram!, 0);
  } else if (threading !== null && runThreaded(x, y, norms, tables, threading)) {
    // done on this thread and the workers
  } else {
    gram = createGramBlocks(x, y, blockRows, norms, lists);
    for (let lane = 0; lane < lanes; lane++) runLane(tables, lane, gram);
  }
  const { diag } = tables;
  const rowSums = new Float64Array(N), quad = new Float64Array(P), observed = new Float64Array(3);
  for (let lane = 0; lane < lanes; lane++) {
    for (let j = 0; j < N; j++) rowSums[j] += tables.laneRows[lane * N + j]!;
    for (let p = 0; p < P; p++) quad[p] += tables.laneQuad[lane * P + p]!;
    for (let s = 0; s < 3; s++) observed[s] += tables.laneObserved[lane * 3 + s]!;
  }

  let total = 0, diagTotal = 0;
  for (let i = 0; i < N; i++) {
    total += rowSums[i]!;
    diagTotal += diag[i]!;
  }
  const stats = new Float64Array(P);
  const wXX = 1 / (m * (m - 1)), wYY = 1 / (n * (n - 1)), wXY = 2 / (m * n);
  for (let p = 0; p < P; p++) {
    let gDiag = 0, gRow = 0;
    for (let t = p * g, end = t + g; t < end; t++) {
      const i = lists[t]!;
      gDiag += diag[i]!;
      gRow += rowSums[i]!;
    }
    // Within G, across, and within the rest (Gretton et al. 2012, eq. 3, diagonal excluded).
    const within = 2 * quad[p]!;
    const across = gRow - within - gDiag;
    const rest = total - 2 * gRow + within + gDiag - (diagTotal - gDiag);
    const sxx = groupIsX ? within : rest, syy = groupIsX ? rest : within;
    stats[p] = sxx * wXX + syy * wYY - across * wXY;
  }
  // The reported statistic from the observed split's own sums (no cancellation against the
  // totals); the p-value compares like with like: column 0 by the permutations' formula.
  const statistic = 2 * observed[0]! * wXX + 2 * observed[2]! * wYY - observed[1]! * wXY;
  const reference = stats[0]!;
  if (permutations === 0) return { statistic, pValue: null, sigma2, permutations, nullMean: null, nullSd: null };
  let exceed = 0, sum = 0, sumSq = 0;
  // A relative tolerance so that a permutation equal to the observed split up to rounding counts as ≥.
  const tolerance = 1e-12 * Math.max(1, Math.abs(reference));
  for (let p = 1; p < P; p++) {
    const s = stats[p]!;
    if (s >= reference - tolerance) exceed++;
    sum += s;
    sumSq += s * s;
  }
  const nullMean = sum / permutations;
  const nullSd = Math.sqrt(Math.max(0, sumSq / permutations - nullMean * nullMean));
  return { statistic, pValue: (1 + exceed) / (1 + permutations), sigma2, permutations, nullMean, nullSd, nullStatistics: stats.slice(1), comparedStatistic: reference };
}

/**
 * {@link mmdTest} with a Besag–Clifford sequential p-value (see sequential.ts): permutations are
 * drawn in batches (`permutations` first, then doubling, up to `maxPermutations`) and counted in
 * the order drawn, stopping at the permutation that brings the h-th exceedance. The bandwidth of
 * the first batch is kept for the others, so every batch tests the same statistic. Clear
 * differences therefore get the full `maxPermutations` (a floor of 1 / (1 + B)), clear
 * non-differences stop after a few dozen.
 */
export function mmdTestSequential(x: Matrix, y: Matrix, options: MmdOptions & SequentialPermutations): MmdResult {
  const max = Math.max(1, Math.floor(options.maxPermutations));
  const stopAfter = Math.max(1, Math.floor(options.stopAfter ?? SEQUENTIAL_STOP_AFTER));
  let batch = Math.max(1, Math.min(max, Math.floor(options.permutations ?? 100)));
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  let first: MmdResult | undefined;
  let sigma2 = options.sigma2;
  let drawn = 0, exceed = 0, sum = 0, sumSq = 0, stopped = false;
  const nulls: number[] = [];
  while (drawn < max && !stopped) {
    const r = mmdTest(x, y, { ...options, permutations: Math.min(batch, max - drawn), random, sigma2 });
    first ??= r;
    sigma2 = r.sigma2;
    const compared = r.comparedStatistic!;
    const tolerance = 1e-12 * Math.max(1, Math.abs(compared));
    for (const s of r.nullStatistics!) {
      drawn++;
      nulls.push(s);
      sum += s;
      sumSq += s * s;
      if (s >= compared - tolerance && ++exceed >= stopAfter) { stopped = true; break; }
    }
    batch *= 2;
  }
  const nullMean = sum / drawn;
  const nullSd = Math.sqrt(Math.max(0, sumSq / drawn - nullMean * nullMean));
  return {
    statistic: first!.statistic, pValue: sequentialPValue(exceed, drawn, stopAfter, stopped), sigma2: first!.sigma2, permutations: drawn,
    nullMean, nullSd, nullStatistics: Float64Array.from(nulls), comparedStatistic: first!.comparedStatistic,
  };
}

interface Threading {
  readonly Worker: typeof import('node:worker_threads').Worker;
  readonly workerUrl: URL;
  readonly threads: number;
}

/** Node's worker_threads and the built worker script, when more than one thread is wanted and possible. */
function threadSupport(requested: number | undefined): Threading | null {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  if (typeof getBuiltin !== 'function' || typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return null;
  const os = getBuiltin('node:os') as typeof import('node:os') | undefined;
  const threads = Math.floor(requested ?? Math.min(MAX_DEFAULT_THREADS, os?.availableParallelism?.() ?? 1));
  if (!(threads > 1)) return null;
  const wt = getBuiltin('node:worker_threads') as typeof import('node:worker_threads') | undefined;
  const fs = getBuiltin('node:fs') as typeof import('node:fs') | undefined;
  const workerUrl = new URL('./mmd-worker.js', import.meta.url);
  // Under a TypeScript test runner the sources have no mmd-worker.js: run on this thread.
  if (wt === undefined || fs === undefined || workerUrl.protocol !== 'file:' || !fs.existsSync(workerUrl)) return null;
  return { Worker: wt.Worker, workerUrl, threads };
}

/**
 * Runs the row lanes on this thread and `threads − 1` workers sharing the Gram workspace; false
 * (nothing done) where shared WebAssembly memory is unavailable. Blocks until every lane is done.
 */
function runThreaded(x: Matrix, y: Matrix, norms: Float64Array, tables: RowTables, threading: Threading): boolean {
  const shared = createSharedGram(x, y, tables.blockRows, threading.threads, norms, tables.lists);
  if (shared === null) return false;
  const gram = sharedGramBlocks(shared, 0);
  const workers: import('node:worker_threads').Worker[] = [];
  for (let region = 1; region < threading.threads; region++) {
    try {
      const worker = new threading.Worker(threading.workerUrl, { workerData: { shared, tables, region } });
      worker.on('error', () => {}); // its lanes are redone here
      worker.unref();
      workers.push(worker);
    } catch {
      break;
    }
  }
  try {
    claimLanes(tables, gram);
    const { control, lanes } = tables;
    for (let lane = 0; lane < lanes; lane++) {
      // Every lane has been claimed (0 only until its claimer marks it running).
      for (let state = Atomics.load(control, 1 + lane); state < 2; state = Atomics.load(control, 1 + lane)) Atomics.wait(control, 1 + lane, state, 1000);
      if (Atomics.load(control, 1 + lane) === 3) runLane(tables, lane, gram);
    }
  } finally {
    for (const worker of workers) void worker.terminate();
  }
  return true;
}

/**
 * Unbiased MMD² by the direct O((m+n)²·d) formula (Gretton et al. 2012, eq. 3), for checking
 * {@link mmdTest} and for tiny samples.
 */
export function mmd2UnbiasedDirect(x: Matrix, y: Matrix, sigma2: number): number {
  const k = (a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) {
      const diff = a[ai * d + t]! - b[bi * d + t]!;
      s += diff * diff;
    }
    return Math.exp(-s / (2 * sigma2));
  };
  const m = x.rows, n = y.rows, d = x.cols;
  let xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) xx += k(x.data, i, x.data, j, d);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) yy += k(y.data, i, y.data, j, d);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) xy += k(x.data, i, y.data, j, d);
  return xx / (m * (m - 1)) + yy / (n * (n - 1)) - (2 * xy) / (m * n);
}
