/**
 * The row pass of the MMD permutation test (unbiased MMD², Gretton et al. 2012; see mmd.ts): turns
 * Gram rows into RBF kernel values and accumulates row sums and within-group sums. Shared by the
 * calling thread and the worker threads (mmd-worker.ts). Row blocks are dealt to `lanes` lanes
 * (block b to lane b mod lanes), each with its own accumulators, summed in lane order at the end:
 * the result does not depend on which thread ran which lane, nor on how many threads there were.
 */
import type { GramBlocks, SharedGram } from './gram.js';
import { selectKth } from './matrix.js';

export interface RowTables {
  readonly N: number;
  /** Reference points (rows [0, m) of the stack). */
  readonly m: number;
  /** Splits: column 0 the observed one, then the permutations. */
  readonly P: number;
  /** Size of the tracked group G of every split. */
  readonly g: number;
  readonly blockRows: number;
  readonly lanes: number;
  /** 1 / 2σ². */
  readonly gamma: number;
  /** member[i·P + p] = 1 when point i is in split p's group. */
  readonly member: Uint8Array;
  /** Split p's group, sorted, at [p·g, (p+1)·g). */
  readonly lists: Int32Array;
  /** For block b and split p, how many of p's group precede the block's first row. */
  readonly blockCursor: Int32Array;
  /** Kᵢᵢ (written once per row). */
  readonly diag: Float64Array;
  /** Per lane (N each): Σ over that lane's rows i of Kᵢⱼ, added to rⱼ for every j ≥ i and to rᵢ for j > i. */
  readonly laneRows: Float64Array;
  /** Per lane (P each): Σ_{i<j ∈ G} Kᵢⱼ over that lane's rows i. */
  readonly laneQuad: Float64Array;
  /** Per lane (3 each): Σ_{i<j<m} Kᵢⱼ, Σ_{i<m≤j} Kᵢⱼ, Σ_{m≤i<j} Kᵢⱼ over that lane's rows i (the observed split, summed directly). */
  readonly laneObserved: Float64Array;
  /**
   * Lane hand-out: [0] the next lane to claim, then one state per lane
   * (0 free, 1 running, 2 done, 3 failed and cleared).
   */
  readonly control: Int32Array;
}

/**
 * Consumes rows [i0, i1) of block `b`, whose kernel values are in `K` (row stride N, j ≥ i, row i
 * at (i − k0) · N; the last result of `gram`, which was given `lists`), into `lane`'s accumulators.
 */
export function consumeBlock(t: RowTables, b: number, i0: number, i1: number, gram: GramBlocks, K: Float64Array, lane: number, k0 = i0): void {
  const { N, P, g, member, diag } = t;
  const rows = t.laneRows.subarray(lane * N, (lane + 1) * N);
  const quad = t.laneQuad.subarray(lane * P, (lane + 1) * P);
  const observed = t.laneObserved.subarray(lane * 3, (lane + 1) * 3);
  const m = t.m;
  const cursor = t.blockCursor.slice(b * P, (b + 1) * P);
  for (let i = i0; i < i1; i++) {
    const base = (i - k0) * N;
    const kii = K[base + i]!;
    diag[i] = kii;
    // Row sum over j > i, split at the reference/current boundary m for the observed sums.
    let before = 0, after = 0;
    const split = Math.max(i + 1, m);
    for (let j = i + 1; j < split; j++) {
      const k = K[base + j]!;
      before += k;
      rows[j] += k;
    }
    for (let j = split; j < N; j++) {
      const k = K[base + j]!;
      after += k;
      rows[j] += k;
    }
    rows[i] += before + after + kii;
    if (i < m) {
      observed[0] += before;
      observed[1] += after;
    } else {
      observed[2] += after;
    }
    // For every split whose group G holds i: add Kᵢⱼ over the later members j of G, gathered
    // along this (cache-resident) row by G's sorted index list.
    const o = i * P;
    for (let p = 0; p < P; p++) {
      if (member[o + p] === 0) continue;
      quad[p] += gram.gather(base, p * g + cursor[p]++ + 1, (p + 1) * g);
    }
  }
}

/** Runs every block of `lane` (blocks lane, lane + lanes, …), computing their Gram rows with `gram`. */
export function runLane(t: RowTables, lane: number, gram: GramBlocks): void {
  for (let b = lane; b * t.blockRows < t.N; b += t.lanes) {
    const i0 = b * t.blockRows, i1 = Math.min(t.N, i0 + t.blockRows);
    const K = gram.compute(i0, i1);
    gram.toKernel(i0, i1, t.gamma);
    consumeBlock(t, b, i0, i1, gram, K, lane);
  }
}

/** Claims and runs lanes until none is left; a lane that throws is cleared and marked failed (3). */
export function claimLanes(t: RowTables, gram: GramBlocks): void {
  const { control, lanes, N, P } = t;
  for (;;) {
    const lane = Atomics.add(control, 0, 1);
    if (lane >= lanes) return;
    Atomics.store(control, 1 + lane, 1);
    Atomics.notify(control, 1 + lane);
    let state = 2;
    try {
      runLane(t, lane, gram);
    } catch {
      t.laneRows.fill(0, lane * N, (lane + 1) * N);
      t.laneQuad.fill(0, lane * P, (lane + 1) * P);
      t.laneObserved.fill(0, lane * 3, (lane + 1) * 3);
      state = 3;
    }
    Atomics.store(control, 1 + lane, state);
    Atomics.notify(control, 1 + lane);
  }
}

/**
 * The whole-matrix kernel (up to 4,096 points) on several threads: one shared N × N Gram matrix
 * (gram.ts, absolute rows), filled block by block in two phases: the Gram products of every block
 * (phase 0), then, once the calling thread has set γ from them (the median bandwidth needs the
 * whole reference–current block), each block's kernel values consumed into its own lane (lane =
 * block, phase 1). Blocks are claimed in order (the longest rows first) by whichever thread is
 * free; the result does not depend on which thread ran which block, nor on how many there were.
 */
export interface FullJob {
  readonly shared: SharedGram;
  readonly tables: RowTables;
  /**
   * [0] next block of phase 0, [1] next block of phase 1, [2] the phase open to helpers (0, 1, or
   * −1: abandoned), then each block's state in phase 0, then in phase 1 (0 free, 1 running, 2
   * done, 3 failed and cleared).
   */
  readonly control: Int32Array;
  /** [0] γ = 1 / 2σ², [1] σ², set before phase 1 opens. */
  readonly params: Float64Array;
  /**
   * σ² is the median heuristic on the Gram matrix's reference–current block: whichever thread
   * finds phase 0 complete first (control[3]: 0 open, 1 computing, 2 set, 3 failed) computes it,
   * so a helper need not wait while the calling thread works alongside. The same value either way.
   */
  readonly sigmaFromGram: boolean;
}

export const FULL_HEADER = 4;

function blockCount(t: RowTables): number {
  return Math.ceil(t.N / t.blockRows);
}

/** A helper thread that stopped mid-block (see waitSettled). */
export class HelperStalledError extends Error {
  override name = 'HelperStalledError';
}

/**
 * Waits on the calling thread while `control[index]` is `pending`, and returns the state it
 * settled on. A helper thread that ended mid-block (terminated, or out of memory) can no longer
 * move it and its exit event cannot be delivered while this thread waits, so a state unchanged
 * for `stallMs` is an error naming the stall, not a hang.
 */
export function waitSettled(control: Int32Array, index: number, pending: (state: number) => boolean, what: string, stallMs: number): number {
  let state = Atomics.load(control, index);
  let since = Date.now();
  while (pending(state)) {
    Atomics.wait(control, index, state, Math.min(1000, stallMs));
    const next = Atomics.load(control, index);
    if (next !== state) {
      state = next;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      throw new HelperStalledError(`the MMD test's helper thread stopped working on ${what} (no progress for ${Math.round(stallMs / 1000)} s), so the test was abandoned instead of waiting for ever; the next test starts a new helper`);
    }
  }
  return state;
}

/** A whole-matrix block is at most 64 rows of ≤ 4,096 points: far under a second on a live thread. */
export const FULL_BLOCK_STALL_MS = 60_000;
/** A blockwise lane can be long (many rows × permutations): a generous bound, still not for ever. */
export const LANE_STALL_MS = 600_000;

/** Runs block `b` of `phase` on this thread (phase 1 recomputes nothing: the Gram rows are there). */
export function runFullBlock(job: FullJob, gram: GramBlocks, phase: 0 | 1, b: number): void {
  const t = job.tables;
  const i0 = b * t.blockRows, i1 = Math.min(t.N, i0 + t.blockRows);
  if (phase === 0) {
    gram.compute(i0, i1);
    return;
  }
  gram.toKernel(i0, i1, job.params[0]!);
  consumeBlock(t, b, i0, i1, gram, gram.output, b, 0);
}

/** Claims and runs blocks of `phase` until none is left; a block that throws is cleared and marked failed (3). */
export function claimFull(job: FullJob, gram: GramBlocks, phase: 0 | 1): void {
  const { control, tables: t } = job;
  const blocks = blockCount(t);
  const states = FULL_HEADER + phase * blocks;
  for (;;) {
    const b = Atomics.add(control, phase, 1);
    if (b >= blocks) return;
    Atomics.store(control, states + b, 1);
    let state = 2;
    try {
      runFullBlock(job, gram, phase, b);
    } catch {
      if (phase === 1) clearLane(t, b);
      state = 3;
    }
    Atomics.store(control, states + b, state);
    Atomics.notify(control, states + b);
  }
}

function clearLane(t: RowTables, lane: number): void {
  t.laneRows.fill(0, lane * t.N, (lane + 1) * t.N);
  t.laneQuad.fill(0, lane * t.P, (lane + 1) * t.P);
  t.laneObserved.fill(0, lane * 3, (lane + 1) * 3);
}

/**
 * On the calling thread: waits until every block of `phase` is done, redoing here any that
 * failed elsewhere (in phase 1 from its Gram products, which a failed block may have overwritten).
 */
export function finishFull(job: FullJob, gram: GramBlocks, phase: 0 | 1): void {
  const { control, tables: t } = job;
  const blocks = blockCount(t);
  const states = FULL_HEADER + phase * blocks;
  for (let b = 0; b < blocks; b++) {
    if (waitSettled(control, states + b, (state) => state < 2, `block ${b} of phase ${phase}`, FULL_BLOCK_STALL_MS) === 3) {
      if (phase === 1) runFullBlock(job, gram, 0, b);
      runFullBlock(job, gram, phase, b);
    }
  }
}

/**
 * A helper thread's share of a job: phase 0 blocks; σ² and the opening of phase 1 when it finds
 * every phase 0 block done before the calling thread does; then (once open) phase 1 blocks.
 */
export function helpFull(job: FullJob, gram: GramBlocks): void {
  claimFull(job, gram, 0);
  const { control, tables: t, shared } = job;
  const blocks = blockCount(t);
  let done = job.sigmaFromGram;
  for (let b = 0; done && b < blocks; b++) done = Atomics.load(control, FULL_HEADER + b) === 2;
  if (done && Atomics.compareExchange(control, 3, 0, 1) === 0) {
    let state = 3;
    try {
      const norms = new Float64Array(shared.memory.buffer, shared.zBytes, t.N);
      const sigma2 = bandwidthFromSquaredDistances(crossSquaredDistances(gram.output, norms, t.m, t.N - t.m));
      if (sigma2 > 0 && Number.isFinite(sigma2)) {
        job.params[1] = sigma2;
        job.params[0] = 1 / (2 * sigma2);
        state = 2;
      }
    } catch {
      // the calling thread computes it (and reports what went wrong)
    }
    Atomics.store(control, 3, state);
    Atomics.notify(control, 3);
    if (state === 2) {
      Atomics.store(control, 2, 1);
      Atomics.notify(control, 2);
    }
  }
  for (let phase = Atomics.load(control, 2); phase === 0; phase = Atomics.load(control, 2)) Atomics.wait(control, 2, 0, 1000);
  if (Atomics.load(control, 2) === 1) claimFull(job, gram, 1);
}

/** ‖xᵢ − yⱼ‖² = max(0, ‖xᵢ‖² + ‖yⱼ‖² − 2 xᵢ·yⱼ) from the stacked Gram matrix (row stride m + n). */
export function crossSquaredDistances(gram: Float64Array, norms: Float64Array, m: number, n: number): Float64Array {
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

export function bandwidthFromSquaredDistances(d2: Float64Array): number {
  const median = selectKth(d2, (d2.length - 1) >> 1);
  if (median > 0) return median / 2;
  // More than half the pairs coincide: fall back to the mean of the positive distances.
  let sum = 0, count = 0;
  for (const v of d2) if (v > 0) { sum += v; count++; }
  return count > 0 ? sum / count / 2 : 1;
}

