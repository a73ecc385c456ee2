/**
 * intent-mix: cluster the reference prompts' embeddings, then test whether the current prompts
 * spread over those clusters in other shares (chi-square), and find prompts on intents the
 * reference never had: those whose nearest neighbours in the pooled sample are current prompts
 * far more often than the reference's own prompts' are (embedding/novelty.ts), tested by
 * permuting the side labels. The new prompts are then clustered, so each new intent gets its
 * own distinct examples.
 */
import { DataError, defineDetector, type DetectorResult } from '@vigia/core';
import {
  type Matrix,
  assignToCentroids, chiSquareTest, chooseK, clipPValue, clusterMeans, createRandom, fitPca, kMeans, pcaProject,
  permutationsForLevel, selectRows,
} from '@vigia/stats';
import { decide, fmt, formatP } from './embedding/decide.js';
import { findNovelty } from './embedding/novelty.js';
import { loadVectors, randomFor } from './vectors.js';

export const intentMix = defineDetector({
  description: 'Clusters reference prompt embeddings (k-means++, k by silhouette), tests the change in cluster shares of current prompts (chi-square), and finds new intents: current prompts whose nearest neighbours are current prompts far more often than the reference\'s own are (permutation test), grouped with distinct examples.',
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
      newIntentQuantile: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.99, description: 'A current prompt is a new intent when the (size-weighted) share of current prompts among its nearest neighbours exceeds this quantile of the same share over the reference prompts.' },
      neighbours: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'Nearest neighbours (cosine, in the pooled reference + current sample) that decide whether a prompt is on a new intent.' },
      maxPermutations: { type: 'integer', minimum: 1, default: 10000, description: 'Cap on the label permutations of the new-intent test (drawn Besag–Clifford sequentially, as many as the level after the run\'s correction needs).' },
      sample: { type: 'integer', minimum: 10, default: 5000, description: 'Cap on the prompts used per side (seeded sample).' },
      examples: { type: 'integer', minimum: 0, default: 3, description: 'Example texts per cluster and for new intents.' },
      seed: { type: 'integer', description: 'Seed (default: derived from the run seed and the detector id).' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level alpha (Bonferroni over the two tests).' },
      minEffect: { type: 'number', minimum: 0, description: 'Smallest total-variation distance between the share vectors (clusters + new) that fails; smaller significant changes warn.' },
    },
    additionalProperties: false,
  },
  example: { textField: 'prompt', embedder: 'local' },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.field, options.textField].filter((f): f is string => typeof f === 'string'),
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
        // New intents: neighbourhoods of the pooled sample that only current prompts fill.
        const level = ctx.levelFor(alpha) / 2; // two tests, Bonferroni inside the detector
        const novelty = findNovelty(ref.matrix, cur.matrix, {
          neighbours: options.neighbours, quantile: options.newIntentQuantile, random,
          maxPermutations: Math.min(options.maxPermutations, permutationsForLevel(level, 100)),
        });
        const refCounts = new Float64Array(k), curCounts = new Float64Array(k);
        for (let i = 0; i < m; i++) refCounts[refAssign.assignments[i]!]++;
        for (let i = 0; i < n; i++) curCounts[curAssign.assignments[i]!]++;
        const curNew = novelty.count, refNew = novelty.referenceCount;
        const chi = k > 1 ? chiSquareTest(refCounts, curCounts) : { statistic: 0, pValue: 1, dof: 0 };
        const expectedNewShare = novelty.nullMean / n;
        const pNew = clipPValue(novelty.pValue);
        const pValue = clipPValue(Math.min(1, 2 * Math.min(chi.pValue, pNew)));
        let tv = Math.abs(curNew / n - refNew / m);
        for (let c = 0; c < k; c++) tv += Math.abs(curCounts[c]! / n - refCounts[c]! / m);
        tv /= 2;
        const status = decide(pValue, alpha, tv, options.minEffect);

        const distinct = (texts: (string | undefined)[] | undefined, rows: number[], count: number): string[] => {
          const out: string[] = [];
          for (const i of rows) {
            const t = texts?.[i];
            if (out.length >= count) break;
            if (t !== undefined && !out.includes(t)) out.push(t);
          }
          return out;
        };
        const textsOf = (texts: (string | undefined)[] | undefined, rows: number[]) => distinct(texts, rows, options.examples);
        const clusters = Array.from({ length: k }, (_, c) => {
          const members = Array.from({ length: m }, (_, i) => i).filter((i) => refAssign.assignments[i] === c).sort((a, b) => refAssign.distances[a]! - refAssign.distances[b]!);
          const curMembers = Array.from({ length: n }, (_, i) => i).filter((i) => curAssign.assignments[i] === c && !novelty.isNew[i]).sort((a, b) => curAssign.distances[a]! - curAssign.distances[b]!);
          return {
            cluster: c,
            referenceShare: refCounts[c]! / m,
            currentShare: curCounts[c]! / n,
            change: curCounts[c]! / n - refCounts[c]! / m,
            examples: textsOf(ref.texts, members),
            currentExamples: textsOf(cur.texts, curMembers),
          };
        }).sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
        // The new prompts, most clearly new first (all-current neighbourhoods, then furthest from any reference prompt).
        const newRows = Array.from({ length: n }, (_, i) => i).filter((i) => novelty.isNew[i])
          .sort((a, b) => novelty.score[b]! - novelty.score[a]! || novelty.nearestReference[a]! - novelty.nearestReference[b]!);
        const groups = groupNew(cur.matrix, newRows, random).map((rows) => ({ count: rows.length, share: rows.length / n, examples: textsOf(cur.texts, rows) }))
          .sort((a, b) => b.count - a.count);
        // Distinct examples, most clearly new first: all-current neighbourhoods furthest from any reference prompt.
        const examples = textsOf(cur.texts, newRows);
        const newIntents = {
          count: curNew, share: curNew / n, expectedShare: expectedNewShare, pValue: pNew, permutations: novelty.permutations,
          referenceFlagged: refNew, neighbours: novelty.neighbours, threshold: novelty.threshold, groups, examples,
        };
        const top = clusters[0]!;
        const quote = (t: string) => JSON.stringify(t.length > 70 ? `${t.slice(0, 69)}…` : t);
        const newPart = `${curNew} of ${n} prompts (${fmt((curNew / n) * 100)}%) on intents the reference lacks (≈${fmt(expectedNewShare * 100)}% by chance, ${formatP(pNew)})`;
        const shiftPart = `cluster shares chi² ${fmt(chi.statistic)} (${formatP(chi.pValue)})`;
        const newSignificant = 2 * pNew < alpha;
        // One example from each of the two largest new groups (different intents), as printed distinct.
        const shown: string[] = [];
        for (const t of [...groups.slice(0, 2).map((g) => g.examples[0]), ...examples]) {
          if (t !== undefined && shown.length < 2 && !shown.includes(quote(t))) shown.push(quote(t));
        }
        const headline = status === 'pass' ? 'intent mix unchanged'
          : newSignificant ? `new intents appeared: ${newPart}${shown.length ? `, e.g. ${shown.join(', ')}` : ''}; ${shiftPart}`
          : `intent mix moved: cluster ${top.cluster}${top.examples[0] ? ` (e.g. ${quote(top.examples[0])})` : ''} ${fmt(top.referenceShare * 100)}% → ${fmt(top.currentShare * 100)}%; ${shiftPart}; ${newPart}`;
        const body = status === 'pass' ? `: ${shiftPart}; ${newPart}` : '';
        return {
          status,
          statistic: tv,
          pValue,
          threshold: alpha,
          message: `${headline}${body}; k=${k}; ${formatP(pValue)} (twice the smaller of the two)`,
          details: {
            k,
            silhouette: choice.scores,
            reference: { used: m, records: reference.records.length },
            current: { used: n, records: current.records.length },
            chiSquare: chi,
            totalVariation: tv,
            pValueMethod: 'Bonferroni over the two tests: 2 × min(chi-square p, new-intent permutation p)',
            clusters,
            newIntents,
          },
          test: { alpha, effectSize: tv, minEffect: options.minEffect ?? null },
        };
      },
    };
  },
});

/** The new prompts grouped into intents (k-means, k by silhouette over 2–4), as row lists; one group when few. */
function groupNew(current: Matrix, rows: number[], random: () => number): number[][] {
  if (rows.length < 20) return rows.length ? [rows] : [];
  const x = selectRows(current, rows);
  const low = x.cols > 16 ? pcaProject(fitPca(x, 16), x) : x;
  const choice = chooseK(low, { kMin: 2, kMax: 4, random });
  const groups: number[][] = Array.from({ length: choice.k }, () => []);
  rows.forEach((row, i) => groups[choice.result.assignments[i]!]!.push(row));
  // Keep each group in the order of `rows` (most clearly new first).
  return groups.filter((g) => g.length > 0);
}
