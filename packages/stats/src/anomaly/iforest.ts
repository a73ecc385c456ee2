import type { Random } from '../random.js';

const EULER_GAMMA = 0.5772156649015329;

/** Average path length of an unsuccessful BST search among n points, c(n) (Liu, Ting and Zhou 2008, eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

export interface IsolationForestOptions {
  /** Number of trees (default 100, as in the paper). */
  trees?: number;
  /** Sub-sample size ψ per tree (default 256, as in the paper). */
  sampleSize?: number;
  random: Random;
}

/**
 * Isolation forest (Liu, Ting and Zhou 2008): random axis-parallel splits isolate outliers in few
 * steps; score s(x) = 2^(−E[h(x)] / c(ψ)) in (0, 1], near 1 for anomalies, ≤ 0.5 for normal points.
 * Trees live in flat typed arrays (2ψ−1 nodes each); training is O(trees · ψ log ψ), independent
 * of n. Memory: trees · (2ψ − 1) · 20 bytes (≈ 1 MB at the defaults).
 */
export class IsolationForest {
  readonly dimension: number;
  readonly trees: number;
  readonly sampleSize: number;
  private readonly maxNodes: number;
  /** Split feature per node, −1 for a leaf. */
  private readonly feature: Int32Array;
  private readonly split: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  /** Points that reached a leaf (for its c(size) correction). */
  private readonly leafSize: Int32Array;
  private readonly cPsi: number;

  private constructor(dimension: number, trees: number, sampleSize: number) {
    this.dimension = dimension;
    this.trees = trees;
    this.sampleSize = sampleSize;
    this.maxNodes = 2 * sampleSize - 1;
    const total = trees * this.maxNodes;
    this.feature = new Int32Array(total).fill(-1);
    this.split = new Float64Array(total);
    this.left = new Int32Array(total);
    this.right = new Int32Array(total);
    this.leafSize = new Int32Array(total);
    this.cPsi = averagePathLength(sampleSize);
  }

  /** Train on `n` rows of `dimension` values, row-major in `data`. */
  static fit(data: Float64Array, n: number, dimension: number, options: IsolationForestOptions): IsolationForest {
    if (n < 1 || data.length < n * dimension) throw new RangeError(`IsolationForest.fit: need ${n}×${dimension} values, got ${data.length}`);
    const trees = options.trees ?? 100;
    const psi = Math.min(options.sampleSize ?? 256, n);
    const forest = new IsolationForest(dimension, trees, psi);
    const heightLimit = Math.ceil(Math.log2(Math.max(2, psi)));
    const rows = new Int32Array(psi);
    const random = options.random;
    for (let t = 0; t < trees; t++) {
      // sample ψ distinct rows (partial Fisher–Yates over a virtual identity permutation)
      const picked = new Map<number, number>();
      for (let i = 0; i < psi; i++) {
        const j = i + Math.floor(random() * (n - i));
        const vj = picked.get(j) ?? j;
        rows[i] = vj;
        picked.set(j, picked.get(i) ?? i);
      }
      forest.buildTree(t * forest.maxNodes, data, rows, heightLimit, random);
    }
    return forest;
  }

  private buildTree(base: number, data: Float64Array, rows: Int32Array, heightLimit: number, random: Random): void {
    const d = this.dimension;
    let nextNode = 1;
    // explicit stack of (node, start, end, depth) over the in-place partitioned `rows`
    const stack: number[] = [0, 0, rows.length, 0];
    while (stack.length > 0) {
      const depth = stack.pop()!;
      const end = stack.pop()!;
      const start = stack.pop()!;
      const node = stack.pop()!;
      const size = end - start;
      const at = base + node;
      if (depth >= heightLimit || size <= 1) {
        this.leafSize[at] = size;
        continue;
      }
      // pick a feature with spread; give up (leaf) after a few tries on constant data
      let q = -1;
      let lo = 0;
      let hi = 0;
      for (let attempt = 0; attempt < 2 * d && q < 0; attempt++) {
        const f = Math.floor(random() * d);
        lo = Infinity;
        hi = -Infinity;
        for (let i = start; i < end; i++) {
          const v = data[rows[i]! * d + f]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (hi > lo) q = f;
      }
      if (q < 0) {
        this.leafSize[at] = size;
        continue;
      }
      const p = lo + random() * (hi - lo);
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (data[rows[i]! * d + q]! < p) i++;
        else {
          const tmp = rows[i]!;
          rows[i] = rows[j]!;
          rows[j] = tmp;
          j--;
        }
      }
      const l = nextNode++;
      const r = nextNode++;
      this.feature[at] = q;
      this.split[at] = p;
      this.left[at] = l;
      this.right[at] = r;
      stack.push(l, start, i, depth + 1, r, i, end, depth + 1);
    }
  }

  /** Path length h(x) in one tree, with the c(size) correction at the leaf. */
  private pathLength(tree: number, x: ArrayLike<number>, offset: number): number {
    const base = tree * this.maxNodes;
    let node = 0;
    let depth = 0;
    while (this.feature[base + node]! >= 0) {
      const at = base + node;
      node = x[offset + this.feature[at]!]! < this.split[at]! ? this.left[at]! : this.right[at]!;
      depth++;
    }
    return depth + averagePathLength(this.leafSize[base + node]!);
  }

  /** Anomaly score of one point (`dimension` values starting at `offset`). */
  score(x: ArrayLike<number>, offset = 0): number {
    let total = 0;
    for (let t = 0; t < this.trees; t++) total += this.pathLength(t, x, offset);
    if (this.cPsi === 0) return 0.5;
    return Math.pow(2, -(total / this.trees) / this.cPsi);
  }

  /** Scores of `n` row-major points. */
  scoreAll(data: Float64Array, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.score(data, i * this.dimension);
    return out;
  }
}
