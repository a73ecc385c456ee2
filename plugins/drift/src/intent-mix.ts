/**
 * intent-mix: cluster the reference prompts' embeddings, then test whether the current prompts
 * spread over those clusters in other shares (chi-square) and whether more of them fall outside
 * every cluster than the reference would (new intents, exact binomial tail).
 */
import { DataError, defineDetector, type DetectorResult } from '@vigia/core';
import {
  assignToCentroids, chiSquareTest, chooseK, clipPValue, clusterMeans, createRandom, empiricalQuantile, fitPca, kMeans,
  logGamma, pcaProject, type Matrix,
} from '@vigia/stats';
import { decide, fmt } from './embedding/decide.js';
import { loadVectors, randomFor } from './vectors.js';

/** P(X ≥ c) for X ~ Binomial(n, p), summed in log space. */
function binomialUpperTail(c: number, n: number, p: number): number {
  if (c <= 0) return 1;
  if (p <= 0) return c > 0 ? 0 : 1;
  if (p >= 1) return 1;
  let total = 0;
  const lp = Math.log(p), lq = Math.log1p(-p), lnf = logGamma(n + 1);
  for (let k = c; k <= n; k++) total += Math.exp(lnf - logGamma(k + 1) - logGamma(n - k + 1) + k * lp + (n - k) * lq);
  return Math.min(1, total);
}

/** Distance of each row to every centroid. */
function distancesToAll(x: Matrix, centroids: Matrix): Float64Array {
  const d = x.cols, k = centroids.rows, out = new Float64Array(x.rows * k);
  for (let i = 0; i < x.rows; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) { const diff = x.data[i * d + j]! - centroids.data[c * d + j]!; s += diff * diff; }
      out[i * k + c] = Math.sqrt(s);
    }
  }
  return out;
}

export const intentMix = defineDetector({
  description: 'Clusters reference prompt embeddings (k-means++, k by silhouette), tests the change in cluster shares of current prompts (chi-square) and reports prompts far from every reference cluster as new intents.',
  needs: ['reference'],
  options: {
    type: 'object',
    properties: {
      textField: { type: 'string', default: 'prompt', description: 'Text field of the prompts (embedded through `embedder` unless `field` is set; always used for examples).' },
      field: { type: 'string', description: 'Vector field with precomputed prompt embeddings (skips the embedder).' },
      embedder: { type: 'string', description: 'Name of the embedder under `embedders:` (default: the first one).' },
      k: { type: 'integer', minimum: 1, description: 'Number of clusters; chosen by silhouette over [kMin, kMax] when absent.' },
      kMin: { type: 'integer', minimum: 2, default: 2, description: 'Smallest k tried.' },
      kMax: { type: 'integer', minimum: 2, default: 10, description: 'Largest k tried.' },
      pca: { type: 'integer', minimum: 1, default: 32, description: 'Principal components of the reference used for clustering (distances for new intents use full vectors).' },
      newIntentQuantile: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.99, description: 'A prompt is a new intent when it is further from every cluster centre than this quantile of that cluster\'s reference distances.' },
      sample: { type: 'integer', minimum: 10, default: 5000, description: 'Cap on the prompts used per side (seeded sample).' },
      examples: { type: 'integer', minimum: 0, default: 3, description: 'Example texts per cluster and for new intents.' },
      seed: { type: 'integer', description: 'Seed (default: derived from the run seed and the detector id).' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level alpha (Bonferroni over the two tests).' },
      minEffect: { type: 'number', minimum: 0, description: 'Smallest total-variation distance between the share vectors (clusters + new) that fails; smaller significant changes warn.' },
    },
    additionalProperties: false,
  },
  example: { textField: 'prompt', embedder: 'local' },
  create(options) {
    const alpha = options.threshold;
    return {
      async evaluate({ reference, current }, ctx): Promise<DetectorResult> {
        if (!reference) throw new DataError('intent-mix needs a reference dataset; add one under `data:` (named `reference`)');
        const random = randomFor(ctx, options.seed, createRandom);
        const source = { field: options.field, textField: options.textField, embedder: options.embedder };
        const ref = await loadVectors(reference, source, ctx, { cap: options.sample, random });
        const cur = await loadVectors(current, source, ctx, { cap: options.sample, random, expectedLength: ref.matrix.cols });
        const m = ref.matrix.rows, n = cur.matrix.rows;
        if (m < 4) throw new DataError(`intent-mix needs at least 4 reference prompts (dataset "${reference.name}" has ${m})`);
        // Cluster in the reference's principal subspace; centres then in the full space.
        const pca = fitPca(ref.matrix, Math.min(options.pca, ref.matrix.cols));
        const low = pcaProject(pca, ref.matrix);
        const choice = options.k !== undefined
          ? { k: Math.min(options.k, m), scores: [] as { k: number; silhouette: number }[], result: kMeans(low, Math.min(options.k, m), { random }) }
          : chooseK(low, { kMin: options.kMin, kMax: Math.max(options.kMin, options.kMax), random });
        const k = choice.k;
        const centroids = clusterMeans(ref.matrix, choice.result.assignments, k);
        const refAssign = assignToCentroids(ref.matrix, centroids);
        const curAssign = assignToCentroids(cur.matrix, centroids);
        // Per-cluster radius: the quantile of its members' distances.
        const radius = new Float64Array(k);
        for (let c = 0; c < k; c++) {
          const ds: number[] = [];
          for (let i = 0; i < m; i++) if (refAssign.assignments[i] === c) ds.push(refAssign.distances[i]!);
          radius[c] = ds.length ? empiricalQuantile(ds, options.newIntentQuantile) : 0;
        }
        const outside = (x: Matrix): Uint8Array => {
          const all = distancesToAll(x, centroids);
          const out = new Uint8Array(x.rows);
          for (let i = 0; i < x.rows; i++) {
            let far = 1;
            for (let c = 0; c < k && far; c++) if (all[i * k + c]! <= radius[c]!) far = 0;
            out[i] = far;
          }
          return out;
        };
        const refOut = outside(ref.matrix), curOut = outside(cur.matrix);
        const refCounts = new Float64Array(k), curCounts = new Float64Array(k);
        let refNew = 0, curNew = 0;
        for (let i = 0; i < m; i++) { refCounts[refAssign.assignments[i]!]++; refNew += refOut[i]!; }
        for (let i = 0; i < n; i++) { curCounts[curAssign.assignments[i]!]++; curNew += curOut[i]!; }
        const chi = k > 1 ? chiSquareTest(refCounts, curCounts) : { statistic: 0, pValue: 1, dof: 0 };
        const expectedNewShare = Math.max(1 - options.newIntentQuantile, refNew / m);
        const pNew = clipPValue(binomialUpperTail(curNew, n, expectedNewShare));
        const pValue = clipPValue(Math.min(1, 2 * Math.min(chi.pValue, pNew)));
        let tv = Math.abs(curNew / n - refNew / m);
        for (let c = 0; c < k; c++) tv += Math.abs(curCounts[c]! / n - refCounts[c]! / m);
        tv /= 2;
        const status = decide(pValue, alpha, tv, options.minEffect);

        const textsOf = (texts: (string | undefined)[] | undefined, rows: number[]): string[] => (texts ? rows.map((i) => texts[i]).filter((t): t is string => t !== undefined).slice(0, options.examples) : []);
        const clusters = Array.from({ length: k }, (_, c) => {
          const members = Array.from({ length: m }, (_, i) => i).filter((i) => refAssign.assignments[i] === c).sort((a, b) => refAssign.distances[a]! - refAssign.distances[b]!);
          const curMembers = Array.from({ length: n }, (_, i) => i).filter((i) => curAssign.assignments[i] === c && !curOut[i]).sort((a, b) => curAssign.distances[a]! - curAssign.distances[b]!);
          return {
            cluster: c,
            referenceShare: refCounts[c]! / m,
            currentShare: curCounts[c]! / n,
            change: curCounts[c]! / n - refCounts[c]! / m,
            radius: radius[c]!,
            examples: textsOf(ref.texts, members),
            currentExamples: textsOf(cur.texts, curMembers),
          };
        }).sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
        const newRows = Array.from({ length: n }, (_, i) => i).filter((i) => curOut[i]).sort((a, b) => curAssign.distances[b]! - curAssign.distances[a]!);
        const newIntents = { count: curNew, share: curNew / n, expectedShare: expectedNewShare, pValue: pNew, examples: textsOf(cur.texts, newRows) };
        const top = clusters[0]!;
        const parts = [`cluster shares chi² ${fmt(chi.statistic)} (p=${fmt(chi.pValue)})`, `${curNew} of ${n} prompts outside every reference cluster (expected ${fmt(expectedNewShare * 100)}%, p=${fmt(pNew)})`];
        const headline = status === 'pass' ? 'intent mix unchanged' : pNew < chi.pValue ? 'new intents appeared' : `intent mix moved (cluster ${top.cluster}: ${fmt(top.referenceShare * 100)}% → ${fmt(top.currentShare * 100)}%)`;
        return {
          status,
          statistic: tv,
          pValue,
          threshold: alpha,
          message: `${headline}: ${parts.join('; ')}; k=${k}`,
          details: {
            k,
            silhouette: choice.scores,
            reference: { used: m, records: reference.records.length },
            current: { used: n, records: current.records.length },
            chiSquare: chi,
            totalVariation: tv,
            clusters,
            newIntents,
          },
          test: { alpha, effectSize: tv, minEffect: options.minEffect ?? null },
        };
      },
    };
  },
});
