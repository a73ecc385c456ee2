/**
 * embedding-drift: has the distribution of embeddings (logged vectors, or texts through an
 * embedder) moved between the reference and the current dataset?
 */
import { ConfigError, DataError, defineDetector, type DetectorResult } from '@vigia/core';
import {
  SEQUENTIAL_STOP_AFTER, centroidTest, classifierTest, createRandom, fitPca, mmdTestSequential, pcaKsTest, pcaProject, permutationFloor, prepareMmdThreads,
  permutationsForLevel, truncatePca, type Matrix, type Pca,
} from '@vigia/stats';
import { decide, fmt, formatP } from './embedding/decide.js';
import { explainShift, type ShiftExplanation } from './embedding/explain.js';
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
      permutations: { type: 'integer', minimum: 0, maximum: 100000, default: 100, description: 'First batch of permutations (mmd, classifier: labels permuted and the classifier refitted) or bootstrap draws (centroid) for the p-value. More are drawn, Besag–Clifford sequentially (stopping after 10 reach the observed statistic), until the smallest p-value 1/(1+B) is at most half the level the run judges it at: alpha, or alpha / tests under a config-level correction.' },
      maxPermutations: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'Cap on the permutations (or bootstrap draws). When the cap keeps the smallest p-value from reaching the level, the result says so and a p-value at the floor warns ("cannot decide") instead of passing.' },
      folds: { type: 'integer', minimum: 2, default: 5, description: 'Cross-validation folds of the classifier method.' },
      precision: { type: 'string', enum: ['float32', 'float64'], default: 'float32', description: 'mmd: arithmetic of the kernel\'s dot products. float32 (the default; about twice as fast as float64): the vectors, centred on the pooled mean, multiplied in float32 SIMD lanes, all sums float64; MMD² moves by about 1e-6 relative and the permutation p-value stays exact (one kernel matrix judges the observed split and every permutation). float64: the earlier arithmetic.' },
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
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.field, options.textField].filter((f): f is string => typeof f === 'string'),
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
        // The MMD test's helper thread (when the test is big enough to share) starts now: it takes
        // tens of ms, during which this thread fits the explanation's PCA (below).
        if (method === 'mmd') prepareMmdThreads(undefined, { points: ref.matrix.rows + cur.matrix.rows, dimensions: options.pca ?? d, permutations: options.permutations });
        // The leading components only (Lanczos, residual-checked; see fitPca's `method`). Needed
        // first when the test runs on them; else the MMD test fits them on this thread while its
        // helper thread works on the kernel.
        const fitExplainPca = (): Pca => fitPca(ref.matrix, Math.min(EXPLAIN_COMPONENTS, d), { method: 'leading' });
        let explainPca: Pca | undefined;
        let x: Matrix = ref.matrix, y: Matrix = cur.matrix;
        let reduced: Pca | undefined;
        if (options.pca !== undefined && method !== 'pca-ks' && options.pca < d) {
          explainPca = fitExplainPca();
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
        // Size the permutations for the level this p-value will be judged at (after the run's correction).
        const level = ctx.levelFor(alpha);
        const needed = permutationsForLevel(level, Math.max(1, options.permutations));
        const budget = Math.min(options.maxPermutations, needed);
        const sequential = { maxPermutations: budget, stopAfter: SEQUENTIAL_STOP_AFTER };
        const floor = method === 'pca-ks' ? null : permutationFloor(budget);
        const warnings: string[] = [];
        if (floor !== null && floor >= level) {
          const tests = ctx.multipleTesting.correction === 'none' ? '' : ` (alpha ${alpha} / ${ctx.multipleTesting.tests} tests, ${ctx.multipleTesting.correction})`;
          warnings.push(`with at most ${budget} permutations the smallest p-value is ${fmt(floor)}, which cannot reach the level ${fmt(level)}${tests}: set maxPermutations to at least ${needed}`);
        }
        let statistic: number, pValue: number, threshold: number, effect: number, what: string;
        let methodDetails: Record<string, unknown>;
        switch (method) {
          case 'mmd': {
            const alongside = explainPca === undefined ? () => { explainPca = fitExplainPca(); } : undefined;
            const r = mmdTestSequential(x, y, { permutations: Math.max(1, Math.min(options.permutations, budget)), ...sequential, random, alongside, precision: options.precision as 'float32' | 'float64' });
            statistic = r.statistic;
            pValue = r.pValue!;
            threshold = alpha;
            effect = r.statistic;
            what = `MMD² ${fmt(r.statistic)}`;
            methodDetails = { sigma2: r.sigma2, kernelPrecision: options.precision, permutations: r.permutations, maxPermutations: budget, nullMean: r.nullMean, nullSd: r.nullSd, pValueMethod: 'permutation, Besag–Clifford sequential' };
            break;
          }
          case 'classifier': {
            const r = classifierTest(x, y, { folds: options.folds, sequential, random });
            statistic = r.auc;
            pValue = r.pValue;
            threshold = alpha;
            effect = r.auc;
            what = `domain-classifier AUC ${fmt(r.auc)}`;
            methodDetails = { auc: r.auc, foldAuc: r.foldAuc, folds: r.folds, permutations: r.permutations, maxPermutations: budget, nullMean: r.nullMean, nullSd: r.nullSd, pValueMethod: 'label permutation within folds, classifier refitted under each' };
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
            const r = centroidTest(x, y, { alpha, sequential, random });
            statistic = r.distance;
            pValue = r.pValue;
            threshold = r.threshold;
            effect = r.distance;
            what = `cosine distance of means ${fmt(r.distance)} (bootstrap ${Math.round((1 - alpha) * 100)}% quantile ${fmt(r.threshold)})`;
            methodDetails = { bootstraps: r.bootstraps, maxBootstraps: budget, bootstrapQuantile: r.threshold, pValueMethod: 'bootstrap on the reference' };
            break;
          }
        }
        let status = decide(pValue, alpha, effect, options.minEffect);
        const atFloor = floor !== null && pValue <= floor * (1 + 1e-9);
        const undecided = status === 'pass' && atFloor && floor >= alpha;
        if (undecided) status = 'warn';
        const explanation = explainShift(ref.matrix, cur.matrix, explainPca ?? fitExplainPca(), { referenceTexts: ref.texts, currentTexts: cur.texts });
        const verdict = undecided ? 'cannot decide' : status === 'pass' ? 'no significant drift' : status === 'warn' ? 'significant but below minEffect' : 'embeddings drifted';
        const said = status !== 'pass' ? describeShift(explanation) : '';
        return {
          status,
          statistic,
          pValue,
          threshold,
          message: `${verdict}: ${what}, ${formatP(pValue)} (alpha ${alpha}, ${method}, ${ref.matrix.rows} vs ${cur.matrix.rows})${said}${warnings.length ? `; warning: ${warnings.join('; ')}` : ''}`,
          details: { ...common, ...methodDetails, explanation, ...(warnings.length ? { warnings } : {}) },
          test: { alpha, effectSize: effect, minEffect: options.minEffect ?? null, pValueFloor: floor },
        };
      },
    };
  },
});

/** Smallest share of current records beyond the reference's 95th percentile (5 % by chance) worth naming. */
const DESCRIBED_BEYOND = 0.15;

/**
 * The explanation in the user's terms, or nothing: along the mean-shift direction, how many
 * current texts lie beyond (almost) all of the reference, with example texts from either end,
 * which differ by construction. Left out when too few lie beyond or the texts are unknown.
 */
function describeShift(explanation: ShiftExplanation): string {
  const along = explanation.alongShift;
  if (!along || along.beyondShare < DESCRIBED_BEYOND) return '';
  const cur = along.current[0], ref = along.reference[0];
  if (cur === undefined || ref === undefined || cur === ref) return '';
  const quote = (t: string) => JSON.stringify(t.length > 80 ? `${t.slice(0, 79)}…` : t);
  return `; along the shift, ${Math.round(along.beyondShare * 100)}% of current texts lie beyond 95% of the reference: current texts like ${quote(cur)}, reference texts like ${quote(ref)}`;
}

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
