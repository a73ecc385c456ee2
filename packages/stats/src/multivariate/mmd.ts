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
import { createGramBlocks, createSharedGram, gramCrossWasm, sharedGramBlocks, stackFloat32, type Float32Rows } from './gram.js';
import {
  FULL_BLOCK_STALL_MS, FULL_HEADER, HelperStalledError, LANE_STALL_MS, bandwidthFromSquaredDistances, claimFull, claimLanes, consumeBlock, crossSquaredDistances, finishFull, runLane, waitSettled,
  type FullJob, type RowTables,
} from './mmd-rows.js';
import { gramCross, squaredNorms, type Matrix } from './matrix.js';

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
  /**
   * Other work for the calling thread, run exactly once during the test: where worker threads
   * compute the kernel, while they start on it (the calling thread joins them after), else
   * first. Its result is the caller's; it does not change the test's.
   */
  alongside?: () => void;
  /**
   * Arithmetic of the kernel's dot products (default `float64`). `float32`: the rows, centred on
   * the pooled mean, rounded to float32 and multiplied in float32 SIMD lanes (about twice as fast;
   * the sums, distances and everything after stay float64). The permutation p-value stays exact:
   * the observed split and every permutation are judged on one and the same kernel matrix, a fixed
   * symmetric function of the pooled points. The statistic moves by about 1e-6 of the kernel
   * values' scale (measured in gram.test.ts).
   */
  precision?: 'float64' | 'float32';
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
/** Rows per block (and lane) of the whole-matrix kernel. */
const FULL_BLOCK_ROWS = 64;
/**
 * Least work, N² · (d + permutations / 4), for which the whole-matrix kernel takes helper threads
 * (about 10 ms of work on one core: below it, handing blocks over costs more than it saves).
 */
const FULL_THREADS_MIN_WORK = 2 ** 26;
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

/** Unbiased MMD² and its permutation p-value (see the module comment for the algorithm). */
export function mmdTest(x: Matrix, y: Matrix, options: MmdOptions = {}): MmdResult {
  const m = x.rows, n = y.rows;
  if (m < 2 || n < 2) throw new RangeError(`MMD needs at least 2 points per sample (got ${m} and ${n})`);
  if (x.cols !== y.cols) throw new RangeError(`MMD needs vectors of one length (got ${x.cols} and ${y.cols})`);
  const permutations = Math.max(0, Math.floor(options.permutations ?? 100));
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const N = m + n;
  // float32: the kernel's inputs and their norms as its float32 arithmetic gives them.
  const f32 = options.precision === 'float32' && x.cols > 0 ? stackFloat32(x, y) : undefined;
  let norms: Float64Array;
  if (f32) norms = f32.norms;
  else {
    norms = new Float64Array(N);
    norms.set(squaredNorms(x), 0);
    norms.set(squaredNorms(y), m);
  }
  const P = permutations + 1;

  // Each split is tracked by its smaller group G (the reference points when m ≤ n): column p's
  // members as a sorted index list, and a membership table (N × P, row-major). Column 0 is the
  // observed split, the others the seeded shuffles (the same stream as ever: one full shuffle of
  // the pooled order per permutation, the first m positions labelled "reference").
  const groupIsX = m <= n;
  const g = groupIsX ? m : n;
  const full = N <= FULL_KERNEL_MAX_N;
  // The whole matrix is consumed in blocks of FULL_BLOCK_ROWS rows, each its own lane, whether one
  // thread or several compute it (so the sums are the same either way).
  const blockRows = full ? FULL_BLOCK_ROWS : Math.min(N, Math.max(3, Math.floor(options.blockRows ?? 256)));
  const blocks = Math.ceil(N / blockRows);
  const lanes = full ? blocks : Math.min(blocks, LANES);
  const threading = full && N * N * (x.cols + P / 4) < FULL_THREADS_MIN_WORK ? null : threadSupport(options.threads);
  const shared = threading !== null;
  let alongside = options.alongside;
  const runAlongside = (): void => {
    const fn = alongside;
    alongside = undefined;
    fn?.();
  };
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
  /** σ² from the whole Gram matrix (the full kernel), or the checked option. */
  const bandwidth = (fullGram: Float64Array | undefined): number => {
    let s2 = sigma2;
    if (s2 === undefined) {
      // The reference–current block of the Gram matrix just computed: no second O(m·n·d) pass.
      s2 = fullGram !== undefined && m * n <= exactPairs
        ? bandwidthFromSquaredDistances(crossSquaredDistances(fullGram, norms, m, n))
        : medianBandwidth(x, y, { exactPairs, random });
    }
    if (!(s2 > 0) || !Number.isFinite(s2)) throw new RangeError(`MMD bandwidth σ² must be a positive number (got ${s2})`);
    return s2;
  };
  if (!full) sigma2 = bandwidth(undefined);

  const tables: RowTables = {
    N, m, P, g, blockRows, lanes, gamma: full ? NaN : 1 / (2 * sigma2!), member, lists, blockCursor,
    diag: new Float64Array(alloc(N * 8)),
    laneRows: new Float64Array(alloc(lanes * N * 8)),
    laneQuad: new Float64Array(alloc(lanes * P * 8)),
    laneObserved: new Float64Array(alloc(lanes * 3 * 8)),
    control: new Int32Array(alloc((1 + lanes) * 4)),
  };
  // The helper may take the bandwidth from the Gram matrix itself (no random draws: the same value).
  const sigmaFromGram = sigma2 === undefined && m * n <= exactPairs;
  const threadedFull = full && threading !== null ? runFullThreaded(x, y, norms, f32, tables, threading, runAlongside, bandwidth, sigmaFromGram) : undefined;
  if (threadedFull !== undefined) {
    sigma2 = threadedFull; // done on this thread and the helpers
  } else if (full) {
    runAlongside();
    const gram = createGramBlocks(x, y, N, norms, lists, f32);
    const fullGram = gram.compute(0, N);
    sigma2 = bandwidth(fullGram);
    gram.toKernel(0, N, 1 / (2 * sigma2));
    for (let b = 0; b < blocks; b++) consumeBlock(tables, b, b * blockRows, Math.min(N, (b + 1) * blockRows), gram, fullGram, b, 0);
  } else if (threading !== null && runThreaded(x, y, norms, f32, tables, threading, runAlongside)) {
    // done on this thread and the workers
  } else {
    runAlongside();
    const gram = createGramBlocks(x, y, blockRows, norms, lists, f32);
    for (let lane = 0; lane < lanes; lane++) runLane(tables, lane, gram);
  }
  runAlongside();
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
  if (permutations === 0) return { statistic, pValue: null, sigma2: sigma2!, permutations, nullMean: null, nullSd: null };
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
  return { statistic, pValue: (1 + exceed) / (1 + permutations), sigma2: sigma2!, permutations, nullMean, nullSd, nullStatistics: stats.slice(1), comparedStatistic: reference };
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
    const r = mmdTest(x, y, { ...options, permutations: Math.min(batch, max - drawn), random, sigma2, alongside: first ? undefined : options.alongside });
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
function runThreaded(x: Matrix, y: Matrix, norms: Float64Array, f32: Float32Rows | undefined, tables: RowTables, threading: Threading, alongside: () => void): boolean {
  const shared = createSharedGram(x, y, tables.blockRows, threading.threads, norms, tables.lists, f32);
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
    alongside();
    claimLanes(tables, gram);
    const { control, lanes } = tables;
    for (let lane = 0; lane < lanes; lane++) {
      // Every lane has been claimed (0 only until its claimer marks it running).
      if (waitSettled(control, 1 + lane, (state) => state < 2, `row lane ${lane}`, LANE_STALL_MS) === 3) runLane(tables, lane, gram);
    }
  } finally {
    for (const worker of workers) void worker.terminate();
  }
  return true;
}

/** Kept helper threads of the whole-matrix kernel (this thread's), started on first use, never holding the process open. */
const helpers: import('node:worker_threads').Worker[] = [];

function helperThreads(threading: Threading, count: number): import('node:worker_threads').Worker[] {
  while (helpers.length < count) {
    let worker: import('node:worker_threads').Worker;
    try {
      worker = new threading.Worker(threading.workerUrl);
    } catch {
      break;
    }
    const drop = (): void => {
      const at = helpers.indexOf(worker);
      if (at >= 0) helpers.splice(at, 1);
    };
    worker.on('error', drop); // a block it took is redone here
    worker.on('exit', drop);
    worker.unref();
    helpers.push(worker);
  }
  return helpers.slice(0, count);
}

/**
 * Starts the MMD test's helper threads now (they take tens of milliseconds to start), so a test
 * run soon after finds them ready. Does nothing where threads are unavailable or one is wanted,
 * or when `size` (the test to come) is one the whole-matrix kernel runs on one thread.
 */
export function prepareMmdThreads(threads?: number, size?: { points: number; dimensions: number; permutations: number }): void {
  if (size !== undefined) {
    const { points: N, dimensions: d, permutations } = size;
    if (N > FULL_KERNEL_MAX_N || N * N * (d + (permutations + 1) / 4) < FULL_THREADS_MIN_WORK) return;
  }
  const threading = threadSupport(threads);
  if (threading !== null) helperThreads(threading, threading.threads - 1);
}

/**
 * The whole-matrix kernel on this thread and kept helpers sharing one N × N Gram matrix
 * (mmd-rows.ts, FullJob): σ² (as `bandwidth` gives it from the Gram matrix), or undefined
 * (nothing done) where shared WebAssembly memory is unavailable.
 */
function runFullThreaded(
  x: Matrix, y: Matrix, norms: Float64Array, f32: Float32Rows | undefined, tables: RowTables, threading: Threading, alongside: () => void,
  bandwidth: (gram: Float64Array) => number, sigmaFromGram: boolean,
): number | undefined {
  const { N } = tables;
  const shared = createSharedGram(x, y, N, 1, norms, tables.lists, f32);
  if (shared === null) return undefined;
  const gram = sharedGramBlocks(shared, 0, true);
  const blocks = Math.ceil(N / tables.blockRows);
  const job: FullJob = {
    shared, tables, sigmaFromGram,
    control: new Int32Array(new SharedArrayBuffer((FULL_HEADER + 2 * blocks) * 4)),
    params: new Float64Array(new SharedArrayBuffer(16)),
  };
  for (const worker of helperThreads(threading, threading.threads - 1)) {
    try {
      worker.postMessage(job);
    } catch {
      // this thread does its share
    }
  }
  const { control } = job;
  try {
    alongside();
    claimFull(job, gram, 0);
    finishFull(job, gram, 0);
    let sigma2: number | undefined;
    if (sigmaFromGram && Atomics.compareExchange(control, 3, 0, 1) !== 0) {
      // A helper finished the Gram matrix first (this thread was busy alongside) and took σ².
      if (waitSettled(control, 3, (state) => state === 1, 'the bandwidth', FULL_BLOCK_STALL_MS) === 2) sigma2 = job.params[1]!;
    }
    sigma2 ??= bandwidth(gram.output); // also when the helper's failed: the error is raised here
    job.params[0] = 1 / (2 * sigma2);
    job.params[1] = sigma2;
    Atomics.store(control, 2, 1);
    Atomics.notify(control, 2);
    claimFull(job, gram, 1);
    finishFull(job, gram, 1);
    return sigma2;
  } catch (error) {
    // A stalled helper is not reused: the next test starts a fresh one.
    if (error instanceof HelperStalledError) for (const worker of helpers.splice(0)) void worker.terminate();
    throw error;
  } finally {
    // Helpers still waiting for phase 1 (this thread threw) go back to waiting for jobs.
    if (Atomics.compareExchange(control, 2, 0, -1) === 0) Atomics.notify(control, 2);
  }
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
