/**
 * Domain-classifier two-sample test (Lopez-Paz and Oquab 2017, with a linear model): an
 * L2-regularised logistic regression learns to tell reference from current rows, k-fold; its
 * out-of-fold ROC-AUC is tested against 0.5.
 */
import { createRandom, shuffleInPlace, type Random } from '../random.js';
import type { Matrix } from './matrix.js';
import { normalUpperTail } from './special.js';

export interface LogisticModel {
  /** Weights on standardised features (length d) and the intercept. */
  readonly weights: Float64Array;
  readonly intercept: number;
  readonly mean: Float64Array;
  readonly scale: Float64Array;
}

/**
 * L2-regularised logistic regression, mean log-loss + λ/2·‖w‖² on standardised features, fitted
 * by Nesterov-accelerated gradient descent with step 1/L (L from a power-iteration bound).
 */
export function fitLogistic(x: Matrix, y: ArrayLike<number>, options: { lambda?: number; iterations?: number; rows?: ArrayLike<number> } = {}): LogisticModel {
  const lambda = options.lambda ?? 1;
  const iterations = options.iterations ?? 150;
  const d = x.cols;
  const rows = options.rows ?? Int32Array.from({ length: x.rows }, (_, i) => i);
  const n = rows.length;
  const mean = new Float64Array(d), scale = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0, o = rows[r]! * d; j < d; j++) mean[j] += x.data[o + j]!;
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let r = 0; r < n; r++) for (let j = 0, o = rows[r]! * d; j < d; j++) { const c = x.data[o + j]! - mean[j]!; scale[j] += c * c; }
  for (let j = 0; j < d; j++) { const sd = Math.sqrt(scale[j]! / Math.max(1, n - 1)); scale[j] = sd > 1e-12 ? 1 / sd : 0; }
  // Standardised design, copied once (n × d).
  const z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0, o = rows[r]! * d; j < d; j++) z[r * d + j] = (x.data[o + j]! - mean[j]!) * scale[j]!;
  // Largest eigenvalue of ZᵀZ/n by power iteration bounds the Hessian: L ≤ ¼·λmax + λ (+¼ for the intercept).
  let u = new Float64Array(d).fill(1 / Math.sqrt(Math.max(1, d)));
  let lambdaMax = 1;
  const zu = new Float64Array(n);
  for (let it = 0; it < 20; it++) {
    for (let r = 0; r < n; r++) { let s = 0; for (let j = 0; j < d; j++) s += z[r * d + j]! * u[j]!; zu[r] = s; }
    const next = new Float64Array(d);
    for (let r = 0; r < n; r++) { const s = zu[r]!; for (let j = 0; j < d; j++) next[j] += z[r * d + j]! * s; }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += next[j]! * next[j]!;
    norm = Math.sqrt(norm);
    if (norm === 0) break;
    lambdaMax = norm / n;
    for (let j = 0; j < d; j++) next[j] /= norm;
    u = next;
  }
  const step = 1 / (0.25 * (lambdaMax + 1) + lambda);
  let w = new Float64Array(d), b = 0;
  let wPrev = new Float64Array(d), bPrev = 0;
  const look = new Float64Array(d);
  const grad = new Float64Array(d);
  for (let it = 1; it <= iterations; it++) {
    const momentum = (it - 1) / (it + 2);
    for (let j = 0; j < d; j++) look[j] = w[j]! + momentum * (w[j]! - wPrev[j]!);
    const lookB = b + momentum * (b - bPrev);
    grad.fill(0);
    let gradB = 0;
    for (let r = 0; r < n; r++) {
      let s = lookB;
      const o = r * d;
      for (let j = 0; j < d; j++) s += z[o + j]! * look[j]!;
      const p = 1 / (1 + Math.exp(-s));
      const e = (p - y[rows[r]!]!) / n;
      gradB += e;
      for (let j = 0; j < d; j++) grad[j] += e * z[o + j]!;
    }
    wPrev = w;
    bPrev = b;
    w = new Float64Array(d);
    for (let j = 0; j < d; j++) w[j] = look[j]! - step * (grad[j]! + lambda * look[j]!);
    b = lookB - step * gradB;
  }
  return { weights: w, intercept: b, mean, scale };
}

/** Linear score (log-odds) of each of `rows` of `x`. */
export function logisticScores(model: LogisticModel, x: Matrix, rows: ArrayLike<number>): Float64Array {
  const d = x.cols;
  const out = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    let s = model.intercept;
    for (let j = 0, o = rows[r]! * d; j < d; j++) s += (x.data[o + j]! - model.mean[j]!) * model.scale[j]! * model.weights[j]!;
    out[r] = s;
  }
  return out;
}

export interface AucResult {
  /** Probability that a positive scores above a negative (ties count ½). */
  auc: number;
  /** Mann–Whitney U of the positives. */
  u: number;
  /** Mean and variance of U under H0 (tie-corrected normal approximation). */
  mean: number;
  variance: number;
}

/** ROC-AUC via the Mann–Whitney U statistic with mid-ranks, and its H0 moments (tie-corrected). */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number>): AucResult {
  const n = scores.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0, nPos = 0, tieTerm = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    for (let k = i; k <= j; k++) if (positive[order[k]!]) { rankSumPos += rank; nPos++; }
    i = j + 1;
  }
  const nNeg = n - nPos;
  const u = rankSumPos - (nPos * (nPos + 1)) / 2;
  const mean = (nPos * nNeg) / 2;
  const variance = n > 1 ? ((nPos * nNeg) / 12) * (n + 1 - tieTerm / (n * (n - 1))) : 0;
  return { auc: nPos && nNeg ? u / (nPos * nNeg) : 0.5, u, mean, variance };
}

export interface ClassifierTestResult {
  /** Out-of-fold ROC-AUC pooled over all folds. */
  auc: number;
  /** One-sided p-value of AUC > 0.5. */
  pValue: number;
  /** AUC of each fold. */
  foldAuc: number[];
  folds: number;
  /** Weights of the model fitted on all data (standardised features), for explaining the drift. */
  weights: Float64Array;
}

/**
 * Domain-classifier test. p-value: within each held-out fold the model is fixed, so under H0 the
 * fold's Mann–Whitney U has its usual null distribution (normal approximation, tie-corrected).
 * The folds' p-values are dependent (their models share training rows; summing their U as if
 * independent gave a 10% false-alarm rate at alpha 5% in bench/drift-calibration), so they are
 * merged by twice their median, valid under any dependence (Rüschendorf 1982; Vovk and Wang 2020).
 */
export function classifierTest(x: Matrix, y: Matrix, options: { folds?: number; lambda?: number; iterations?: number; random?: Random; seed?: number } = {}): ClassifierTestResult {
  if (x.cols !== y.cols) throw new RangeError(`vectors of different lengths: ${x.cols} and ${y.cols}`);
  const random = options.random ?? createRandom(options.seed ?? 0).next;
  const m = x.rows, n = y.rows, N = m + n, d = x.cols;
  const folds = Math.max(2, Math.min(options.folds ?? 5, m, n));
  const data = new Float64Array(N * d);
  data.set(x.data, 0);
  data.set(y.data, m * d);
  const z: Matrix = { rows: N, cols: d, data };
  const label = new Float64Array(N);
  label.fill(1, m);
  // Stratified folds: shuffle each class, deal round-robin.
  const fold = new Int32Array(N);
  const refIdx = Array.from({ length: m }, (_, i) => i), curIdx = Array.from({ length: n }, (_, i) => m + i);
  shuffleInPlace(refIdx, random);
  shuffleInPlace(curIdx, random);
  refIdx.forEach((i, k) => { fold[i] = k % folds; });
  curIdx.forEach((i, k) => { fold[i] = k % folds; });
  const oof = new Float64Array(N);
  const foldAuc: number[] = [];
  const foldP: number[] = [];
  for (let f = 0; f < folds; f++) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < N; i++) (fold[i] === f ? test : train).push(i);
    const model = fitLogistic(z, label, { lambda: options.lambda, iterations: options.iterations, rows: train });
    const scores = logisticScores(model, z, test);
    test.forEach((i, k) => { oof[i] = scores[k]!; });
    const r = rocAuc(scores, test.map((i) => label[i]!));
    foldAuc.push(r.auc);
    foldP.push(r.variance > 0 ? normalUpperTail((r.u - r.mean) / Math.sqrt(r.variance)) : 1);
  }
  const pooled = rocAuc(oof, label);
  foldP.sort((a, b) => a - b);
  const mid = foldP.length >> 1;
  const medianP = foldP.length % 2 ? foldP[mid]! : (foldP[mid - 1]! + foldP[mid]!) / 2;
  const full = fitLogistic(z, label, { lambda: options.lambda, iterations: options.iterations });
  return { auc: pooled.auc, pValue: Math.max(Number.MIN_VALUE, Math.min(1, 2 * medianP)), foldAuc, folds, weights: full.weights };
}
