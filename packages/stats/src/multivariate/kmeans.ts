/** k-means clustering: k-means++ seeding (Arthur and Vassilvitskii 2007), Lloyd iterations, silhouette-based choice of k. */
import { createRandom, sampleIndices, type Random } from '../random.js';
import { gramUpper, selectRows, squaredNorms, type Matrix } from './matrix.js';

export interface KMeansResult {
  /** Cluster centres as rows (k × d). */
  centroids: Matrix;
  /** Cluster of each row. */
  assignments: Int32Array;
  /** Euclidean distance of each row to its centre. */
  distances: Float64Array;
  /** Sum of squared distances. */
  inertia: number;
  iterations: number;
}

/** Nearest centre of each row of `x` and its Euclidean distance. */
export function assignToCentroids(x: Matrix, centroids: Matrix): { assignments: Int32Array; distances: Float64Array } {
  const d = x.cols, k = centroids.rows;
  const cNorms = squaredNorms(centroids);
  const assignments = new Int32Array(x.rows), distances = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let xx = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) xx += x.data[o + j]! * x.data[o + j]!;
    let best = Infinity, arg = 0;
    for (let c = 0; c < k; c++) {
      let dotc = 0;
      for (let j = 0, oc = c * d; j < d; j++) dotc += x.data[o + j]! * centroids.data[oc + j]!;
      const dist = xx + cNorms[c]! - 2 * dotc;
      if (dist < best) { best = dist; arg = c; }
    }
    assignments[i] = arg;
    distances[i] = Math.sqrt(Math.max(0, best));
  }
  return { assignments, distances };
}

/** Means of the rows of `x` per cluster (an empty cluster keeps `fallback`'s row). */
export function clusterMeans(x: Matrix, assignments: Int32Array, k: number, fallback?: Matrix): Matrix {
  const d = x.cols, sums = new Float64Array(k * d), counts = new Int32Array(k);
  for (let i = 0; i < x.rows; i++) {
    const c = assignments[i]!;
    counts[c]++;
    for (let j = 0; j < d; j++) sums[c * d + j] += x.data[i * d + j]!;
  }
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) {
      if (fallback) sums.set(fallback.data.subarray(c * d, (c + 1) * d), c * d);
      continue;
    }
    for (let j = 0; j < d; j++) sums[c * d + j] /= counts[c]!;
  }
  return { rows: k, cols: d, data: sums };
}

/** k-means++ seeding then Lloyd iterations until no assignment changes (or `maxIterations`). */
export function kMeans(x: Matrix, k: number, options: { random?: Random; seed?: number; maxIterations?: number } = {}): KMeansResult {
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const n = x.rows, d = x.cols;
  if (k < 1 || k > n) throw new RangeError(`k-means needs 1 ≤ k ≤ rows (k = ${k}, rows = ${n})`);
  const centroids = new Float64Array(k * d);
  const nearest = new Float64Array(n).fill(Infinity);
  let chosen = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centroids.set(x.data.subarray(chosen * d, (chosen + 1) * d), c * d);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const diff = x.data[i * d + j]! - centroids[c * d + j]!; s += diff * diff; }
      if (s < nearest[i]!) nearest[i] = s;
      total += nearest[i]!;
    }
    if (c + 1 === k) break;
    // D² sampling; if every point coincides with a centre, take any point.
    let target = random() * total;
    chosen = n - 1;
    if (total > 0) {
      for (let i = 0; i < n; i++) { target -= nearest[i]!; if (target < 0) { chosen = i; break; } }
    } else chosen = Math.floor(random() * n);
  }
  let cent: Matrix = { rows: k, cols: d, data: centroids };
  let { assignments, distances } = assignToCentroids(x, cent);
  let iterations = 0;
  const maxIterations = options.maxIterations ?? 100;
  for (; iterations < maxIterations; iterations++) {
    cent = clusterMeans(x, assignments, k, cent);
    const next = assignToCentroids(x, cent);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next.assignments[i] !== assignments[i]) changed++;
    assignments = next.assignments;
    distances = next.distances;
    if (changed === 0) break;
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += distances[i]! * distances[i]!;
  return { centroids: cent, assignments, distances, inertia, iterations };
}

/** Pairwise Euclidean distances between the rows of `x` (n × n, full). */
export function pairwiseDistances(x: Matrix): Float64Array {
  const n = x.rows;
  const g = new Float64Array(n * n);
  gramUpper(x, 0, n, g, n);
  const norms = squaredNorms(x);
  for (let i = 0; i < n; i++) {
    g[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const v = Math.sqrt(Math.max(0, norms[i]! + norms[j]! - 2 * g[i * n + j]!));
      g[i * n + j] = v;
      g[j * n + i] = v;
    }
  }
  return g;
}

/** Mean silhouette (Rousseeuw 1987) of a clustering, from a full distance matrix. */
export function silhouetteScore(distances: Float64Array, assignments: Int32Array, k: number): number {
  const n = assignments.length;
  const sums = new Float64Array(k), counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[assignments[i]!]++;
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) sums[assignments[j]!] += distances[i * n + j]!;
    const own = assignments[i]!;
    if (counts[own]! <= 1) continue; // silhouette 0 for singletons
    const a = sums[own]! / (counts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (Number.isFinite(b)) total += (b - a) / Math.max(a, b, 1e-300);
  }
  return total / n;
}

export interface ChooseKResult {
  k: number;
  /** Silhouette of each k tried. */
  scores: { k: number; silhouette: number }[];
  result: KMeansResult;
}

/**
 * k-means for each k in [kMin, kMax], keeping the k with the highest mean silhouette, computed on
 * a seeded sample of at most `silhouetteSample` rows (default 1000).
 */
export function chooseK(x: Matrix, options: { kMin?: number; kMax?: number; random?: Random; seed?: number; silhouetteSample?: number } = {}): ChooseKResult {
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const kMin = Math.max(2, options.kMin ?? 2);
  const kMax = Math.min(x.rows - 1, options.kMax ?? 10);
  if (kMax < kMin) {
    const result = kMeans(x, Math.max(1, Math.min(kMin, x.rows)), { random });
    return { k: result.centroids.rows, scores: [], result };
  }
  const sample = sampleIndices(x.rows, Math.min(x.rows, options.silhouetteSample ?? 1000), random);
  const dist = pairwiseDistances(selectRows(x, sample));
  let best: ChooseKResult | undefined;
  let bestSilhouette = -Infinity;
  const scores: { k: number; silhouette: number }[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const result = kMeans(x, k, { random });
    const labels = Int32Array.from(sample, (i) => result.assignments[i]!);
    const silhouette = silhouetteScore(dist, labels, k);
    scores.push({ k, silhouette });
    if (silhouette > bestSilhouette) {
      bestSilhouette = silhouette;
      best = { k, scores, result };
    }
  }
  return { ...best!, scores };
}
