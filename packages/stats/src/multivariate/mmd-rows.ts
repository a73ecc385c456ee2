/**
 * The row pass of the MMD permutation test (unbiased MMD², Gretton et al. 2012; see mmd.ts): turns
 * Gram rows into RBF kernel values and accumulates row sums and within-group sums. Shared by the
 * calling thread and the worker threads (mmd-worker.ts). Row blocks are dealt to `lanes` lanes
 * (block b to lane b mod lanes), each with its own accumulators, summed in lane order at the end:
 * the result does not depend on which thread ran which lane, nor on how many threads there were.
 */
import type { GramBlocks } from './gram.js';

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
 * Consumes rows [i0, i1) of block `b`, whose kernel values are in `K` (row stride N, j ≥ i; the
 * last result of `gram`, which was given `lists`), into `lane`'s accumulators.
 */
export function consumeBlock(t: RowTables, b: number, i0: number, i1: number, gram: GramBlocks, K: Float64Array, lane: number): void {
  const { N, P, g, member, diag } = t;
  const rows = t.laneRows.subarray(lane * N, (lane + 1) * N);
  const quad = t.laneQuad.subarray(lane * P, (lane + 1) * P);
  const observed = t.laneObserved.subarray(lane * 3, (lane + 1) * 3);
  const m = t.m;
  const cursor = t.blockCursor.slice(b * P, (b + 1) * P);
  for (let i = i0; i < i1; i++) {
    const base = (i - i0) * N;
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
