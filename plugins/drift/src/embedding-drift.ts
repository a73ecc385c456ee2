/**
 * embedding-drift: has the distribution of embeddings (logged vectors, or texts through an
 * embedder) moved between the reference and the current dataset?
 */
import { ConfigError, DataError, defineDetector, type DetectorResult } from '@vigia/core';
import {
  centroidTest, classifierTest, createRandom, fitPca, mmdTest, pcaKsTest, pcaProject, truncatePca, type Matrix, type Pca,
} from '@vigia/stats';
import { decide, fmt } from './embedding/decide.js';
import { explainShift } from './embedding/explain.js';
import { loadVectors, randomFor } from './vectors.js';

export const EMBEDDING_DRIFT_METHODS = ['mmd', 'classifier', 'pca-ks', 'centroid'] as const;
export type EmbeddingDriftMethod = (typeof EMBEDDING_DRIFT_METHODS)[number];

/** Components used to explain the shift (and fitted by pca-ks when `pca` is not set). */
const EXPLAIN_COMPONENTS = 10;

export const embeddingDrift = defineDetector({
  description: 'Tests whether embeddings (a vector field, or a text field through an embedder) drifted between reference and current: MMD, domain classifier, PCA+KS or centroid distance; details name the directions that moved.',
  needs: ['reference'],
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'Record field holding a vector (array of numbers), e.g. `response_embedding`.' },
      textField: { type: 'string', description: 'Record field holding text: embedded through `embedder` when `field` is not set; with `field`, only used to show examples in details.' },
      embedder: { type: 'string', description: 'Name of the embedder under `embedders:` in the config (default: the first one, or the hashing fallback).' },
      method: { type: 'string', enum: ['mmd', 'classifier', 'pca-ks', 'centroid'], default: 'mmd', description: 'mmd: kernel MMD² permutation test; classifier: logistic domain classifier AUC; pca-ks: KS per principal component (fitted on the pooled sample), Bonferroni; centroid: cosine distance of the means vs a bootstrap on the reference.' },
      sample: { type: 'integer', minimum: 2, default: 2000, description: 'Cap on the records used per side (a seeded sample above it).' },
      pca: { type: 'integer', minimum: 1, description: 'Project onto this many principal components of the reference before testing (for pca-ks: the number of components tested, default 10).' },
      permutations: { type: 'integer', minimum: 0, maximum: 100000, default: 100, description: 'Permutations (mmd, classifier: labels permuted and the classifier refitted) or bootstrap draws (centroid) for the p-value.' },
      folds: { type: 'integer', minimum: 2, default: 5, description: 'Cross-validation folds of the classifier method.' },
      seed: { type: 'integer', description: 'Seed for sampling and permutations (default: derived from the run seed and the detector id).' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level alpha: the detector fails when the p-value is below it.' },
      minEffect: { type: 'number', minimum: 0, description: 'Smallest effect that fails (in the method\'s statistic: MMD², AUC, KS D or cosine distance); a significant smaller effect only warns.' },
    },
    additionalProperties: false,
  },
  example: { textField: 'response', embedder: 'local', method: 'mmd' },
  // MMD, the classifier and embedding can run for minutes: in a worker thread, its timeoutMs stops them.
  isolation: 'worker',
  check: (options) => (!options.field && !options.textField ? 'embedding-drift needs `field` (a vector field) or `textField` (text embedded through `embedder`)' : undefined),
  create(options) {
    if (!options.field && !options.textField) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', 'embedding-drift needs `field` (a vector field) or `textField` (text embedded through `embedder`)');
    }
    const method = options.method as EmbeddingDriftMethod;
    const alpha = options.threshold;
    return {
      async evaluate({ reference, current }, ctx): Promise<DetectorResult> {
        if (!reference) throw new DataError('embedding-drift needs a reference dataset; add one under `data:` (named `reference`) or set the detector\'s `reference:`');
        const random = randomFor(ctx, options.seed, createRandom);
        const source = { field: options.field, textField: options.textField, embedder: options.embedder };
        const ref = await loadVectors(reference, source, ctx, { cap: options.sample, random });
        const cur = await loadVectors(current, source, ctx, { cap: options.sample, random, expectedLength: ref.matrix.cols });
        if (ref.matrix.rows < 2 || cur.matrix.rows < 2) {
          throw new DataError(`embedding-drift needs at least 2 vectors per side (reference has ${ref.matrix.rows}, current ${cur.matrix.rows})`);
        }
        const d = ref.matrix.cols;
        const explainPca = fitPca(ref.matrix, Math.min(EXPLAIN_COMPONENTS, d));
        let x: Matrix = ref.matrix, y: Matrix = cur.matrix;
        let reduced: Pca | undefined;
        if (options.pca !== undefined && method !== 'pca-ks' && options.pca < d) {
          reduced = options.pca <= explainPca.components.rows ? truncatePca(explainPca, options.pca) : fitPca(ref.matrix, options.pca);
          x = pcaProject(reduced, x);
          y = pcaProject(reduced, y);
        }
        const common = {
          method,
          reference: { used: ref.matrix.rows, records: reference.records.length },
          current: { used: cur.matrix.rows, records: current.records.length },
          dimensions: d,
          ...(reduced ? { pcaDimensions: x.cols, pcaVarianceKept: sum(reduced.variances) / reduced.totalVariance } : {}),
        };
        let statistic: number, pValue: number, threshold: number, effect: number, what: string;
        let methodDetails: Record<string, unknown>;
        switch (method) {
          case 'mmd': {
            const r = mmdTest(x, y, { permutations: Math.max(1, options.permutations), random });
            statistic = r.statistic;
            pValue = r.pValue!;
            threshold = alpha;
            effect = r.statistic;
            what = `MMD² ${fmt(r.statistic)}`;
            methodDetails = { sigma2: r.sigma2, permutations: r.permutations, nullMean: r.nullMean, nullSd: r.nullSd, pValueMethod: 'permutation' };
            break;
          }
          case 'classifier': {
            const r = classifierTest(x, y, { folds: options.folds, permutations: Math.max(1, options.permutations), random });
            statistic = r.auc;
            pValue = r.pValue;
            threshold = alpha;
            effect = r.auc;
            what = `domain-classifier AUC ${fmt(r.auc)}`;
            methodDetails = { auc: r.auc, foldAuc: r.foldAuc, folds: r.folds, permutations: r.permutations, nullMean: r.nullMean, nullSd: r.nullSd, pValueMethod: 'label permutation within folds, classifier refitted under each' };
            break;
          }
          case 'pca-ks': {
            // Components fitted on the pooled sample (see pcaKsTest: a reference-only fit is miscalibrated).
            const r = pcaKsTest(x, y, { components: options.pca ?? EXPLAIN_COMPONENTS });
            const pca = r.pca;
            statistic = r.statistic;
            pValue = r.pValue;
            threshold = alpha;
            effect = r.statistic;
            const worst = [...r.components].sort((a, b) => a.pAdjusted - b.pAdjusted)[0]!;
            what = `KS D ${fmt(worst.statistic)} on component ${worst.component}`;
            methodDetails = {
              components: r.components.map((c) => ({ ...c, variance: pca.variances[c.component], topDims: topLoadings(pca, c.component, 5) })),
              correction: 'bonferroni',
              pcaFittedOn: 'pooled reference + current',
            };
            break;
          }
          case 'centroid': {
            const r = centroidTest(x, y, { bootstraps: Math.max(1, options.permutations), alpha, random });
            statistic = r.distance;
            pValue = r.pValue;
            threshold = r.threshold;
            effect = r.distance;
            what = `cosine distance of means ${fmt(r.distance)} (bootstrap ${Math.round((1 - alpha) * 100)}% quantile ${fmt(r.threshold)})`;
            methodDetails = { bootstraps: r.bootstraps, bootstrapQuantile: r.threshold, pValueMethod: 'bootstrap on the reference' };
            break;
          }
        }
        const status = decide(pValue, alpha, effect, options.minEffect);
        const explanation = explainShift(ref.matrix, cur.matrix, explainPca, { referenceTexts: ref.texts, currentTexts: cur.texts });
        const moved = explanation.directions[0];
        const verdict = status === 'pass' ? 'no significant drift' : status === 'warn' ? 'significant but below minEffect' : 'embeddings drifted';
        return {
          status,
          statistic,
          pValue,
          threshold,
          message: `${verdict}: ${what}, p=${fmt(pValue)} (alpha ${alpha}, ${method}, ${ref.matrix.rows} vs ${cur.matrix.rows})${status !== 'pass' && moved ? `; most of the mean shift (${Math.round(moved.share * 100)}%) lies on reference component ${moved.component}` : ''}`,
          details: { ...common, ...methodDetails, explanation },
          test: { alpha, effectSize: effect, minEffect: options.minEffect ?? null },
        };
      },
    };
  },
});

function sum(xs: Float64Array): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

function topLoadings(pca: Pca, component: number, count: number): { dim: number; loading: number }[] {
  const d = pca.components.cols;
  return Array.from(pca.components.data.subarray(component * d, (component + 1) * d), (loading, dim) => ({ dim, loading }))
    .sort((a, b) => Math.abs(b.loading) - Math.abs(a.loading))
    .slice(0, count);
}
