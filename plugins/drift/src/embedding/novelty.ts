/**
 * New intents as a two-sample question about neighbourhoods: pool the reference and current
 * vectors (cosine geometry), and for each point take the share of its K nearest neighbours that
 * are current, weighted by the sample sizes (0.5 where both sides are equally dense). A prompt
 * on a topic the reference never had lives in a neighbourhood of current prompts only. The
 * threshold is the reference's own: a current prompt is new when its share exceeds the
 * `quantile` of the reference points' shares, so the rule adapts to how clumpy each embedder's
 * geometry is — a fixed radius around k-means centres did not (word vectors found 66 of 350).
 * The count of new prompts is tested by permuting the side labels over the fixed neighbour
 * graph (cheap: O(N·K) per permutation), Besag–Clifford sequentially.
 */
import {
  SEQUENTIAL_STOP_AFTER, empiricalQuantile, fitPca, gramCross, pcaProject, sequentialPValue, shuffleInPlace, stackRows,
  type Matrix, type Random,
} from '@vigia/stats';

/** Above this many multiply-adds for the pooled distances, vectors are first projected on a pooled PCA. */
const FULL_DISTANCE_WORK = 4e9;
const PROJECTED_DIMENSIONS = 64;
const BLOCK = 256;

function normalizeRows(x: Matrix): Matrix {
  const d = x.cols, out = new Float64Array(x.data.length);
  for (let i = 0; i < x.rows; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[i * d + j] = x.data[i * d + j]! * inv;
  }
  return { rows: x.rows, cols: d, data: out };
}

/** The K nearest neighbours (by cosine distance, itself excluded) of every row, N × K, nearest first. */
export function nearestNeighbours(z: Matrix, K: number): { index: Int32Array; similarity: Float64Array } {
  const N = z.rows;
  const index = new Int32Array(N * K), similarity = new Float64Array(N * K);
  const bestI = new Int32Array(K), bestS = new Float64Array(K);
  for (let b0 = 0; b0 < N; b0 += BLOCK) {
    const rows = Math.min(BLOCK, N - b0);
    const block: Matrix = { rows, cols: z.cols, data: z.data.subarray(b0 * z.cols, (b0 + rows) * z.cols) as Float64Array };
    const g = gramCross(block, z);
    for (let r = 0; r < rows; r++) {
      const i = b0 + r;
      bestS.fill(-Infinity);
      bestI.fill(-1);
      for (let j = 0; j < N; j++) {
        if (j === i) continue;
        const s = g[r * N + j]!;
        if (s <= bestS[K - 1]!) continue;
        let t = K - 1;
        while (t > 0 && bestS[t - 1]! < s) { bestS[t] = bestS[t - 1]!; bestI[t] = bestI[t - 1]!; t--; }
        bestS[t] = s;
        bestI[t] = j;
      }
      index.set(bestI, i * K);
      similarity.set(bestS, i * K);
    }
  }
  return { index, similarity };
}

export interface Novelty {
  /** Per current row: 1 when it is a new-intent prompt. */
  isNew: Uint8Array;
  count: number;
  /** Reference rows over the threshold (≈ 1 − quantile by construction). */
  referenceCount: number;
  threshold: number;
  /** Per current row: the weighted share of current neighbours. */
  score: Float64Array;
  /** Per current row: cosine similarity to its nearest reference row (lower = further). */
  nearestReference: Float64Array;
  /** Permutation p-value of the count, the permutations drawn, and the count's mean under permutation. */
  pValue: number;
  permutations: number;
  nullMean: number;
  neighbours: number;
  dimensions: number;
}

/** Weighted current share of each point's neighbourhood, for a labelling. */
function shares(index: Int32Array, N: number, K: number, isCurrent: Uint8Array, m: number, n: number, out: Float64Array): void {
  const wc = 1 / n, wr = 1 / m;
  for (let i = 0; i < N; i++) {
    let c = 0;
    for (let t = 0; t < K; t++) c += isCurrent[index[i * K + t]!]!;
    const cur = c * wc, ref = (K - c) * wr;
    out[i] = cur / (cur + ref);
  }
}

function flagged(score: Float64Array, isCurrent: Uint8Array, quantile: number): { threshold: number; count: number; referenceCount: number } {
  const refScores: number[] = [];
  for (let i = 0; i < score.length; i++) if (!isCurrent[i]) refScores.push(score[i]!);
  const threshold = empiricalQuantile(refScores, quantile);
  let count = 0, referenceCount = 0;
  for (let i = 0; i < score.length; i++) {
    if (score[i]! > threshold) {
      if (isCurrent[i]) count++;
      else referenceCount++;
    }
  }
  return { threshold, count, referenceCount };
}

export function findNovelty(
  reference: Matrix, current: Matrix,
  options: { neighbours: number; quantile: number; maxPermutations: number; random: Random },
): Novelty {
  const m = reference.rows, n = current.rows, N = m + n;
  let pooled = normalizeRows(stackRows(reference, current));
  if (N * N * pooled.cols > FULL_DISTANCE_WORK && pooled.cols > PROJECTED_DIMENSIONS) {
    // Fitted on the pooled sample, so a direction only the current prompts use is kept.
    pooled = normalizeRows(pcaProject(fitPca(pooled, PROJECTED_DIMENSIONS), pooled));
  }
  const K = Math.max(1, Math.min(options.neighbours, N - 1));
  const { index } = nearestNeighbours(pooled, K);
  const isCurrent = new Uint8Array(N).fill(1, m);
  const score = new Float64Array(N);
  shares(index, N, K, isCurrent, m, n, score);
  const observed = flagged(score, isCurrent, options.quantile);
  const isNew = new Uint8Array(n);
  for (let i = 0; i < n; i++) isNew[i] = score[m + i]! > observed.threshold ? 1 : 0;
  // Similarity of each current row to its nearest reference row (for ranking examples).
  const nearestReference = new Float64Array(n).fill(-Infinity);
  const refRows: Matrix = { rows: m, cols: pooled.cols, data: pooled.data.subarray(0, m * pooled.cols) as Float64Array };
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const rows = Math.min(BLOCK, n - b0);
    const block: Matrix = { rows, cols: pooled.cols, data: pooled.data.subarray((m + b0) * pooled.cols, (m + b0 + rows) * pooled.cols) as Float64Array };
    const g = gramCross(block, refRows);
    for (let r = 0; r < rows; r++) {
      let best = -Infinity;
      for (let j = 0; j < m; j++) if (g[r * m + j]! > best) best = g[r * m + j]!;
      nearestReference[b0 + r] = best;
    }
  }
  // Permutation test of the count: relabel sides (sizes kept) over the same neighbour graph.
  const labels = Uint8Array.from(isCurrent);
  const permutedScore = new Float64Array(N);
  let exceed = 0, drawn = 0, sum = 0;
  while (drawn < options.maxPermutations && exceed < SEQUENTIAL_STOP_AFTER) {
    shuffleInPlace(labels as unknown as Int32Array, options.random);
    shares(index, N, K, labels, m, n, permutedScore);
    const c = flagged(permutedScore, labels, options.quantile).count;
    drawn++;
    sum += c;
    if (c >= observed.count) exceed++;
  }
  return {
    isNew, count: observed.count, referenceCount: observed.referenceCount, threshold: observed.threshold,
    score: score.slice(m), nearestReference,
    pValue: sequentialPValue(exceed, drawn, SEQUENTIAL_STOP_AFTER, exceed >= SEQUENTIAL_STOP_AFTER),
    permutations: drawn, nullMean: drawn ? sum / drawn : 0, neighbours: K, dimensions: pooled.cols,
  };
}
