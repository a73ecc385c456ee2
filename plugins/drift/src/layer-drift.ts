/**
 * layer-drift: records carry per-layer activation statistics (numbers) or vectors under
 * `layers.<name>`; each layer is compared on its own (KS for scalars, MMD or pca-ks for vectors)
 * and the layers are ranked by Benjamini–Hochberg-adjusted p-values.
 */
import { DataError, defineDetector, getField, numericColumn, type Dataset, type DetectorResult } from '@vigia/core';
import { SEQUENTIAL_STOP_AFTER, benjaminiHochberg, createRandom, ks2Samp, mmdTestSequential, pcaKsTest, permutationsForLevel, sampleIndices, selectRows } from '@vigia/stats';
import { decide, fmt } from './embedding/decide.js';
import { randomFor, vectorColumn } from './vectors.js';

function layerNames(datasets: Dataset[], prefix: string): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const ds of datasets) {
    for (const record of ds.records) {
      const layers = getField(record, prefix);
      if (layers && typeof layers === 'object' && !Array.isArray(layers)) {
        for (const key of Object.keys(layers)) if (!seen.has(key)) { seen.add(key); names.push(key); }
      }
    }
  }
  return names;
}

/**
 * A view of a dataset whose records hold only `prefix.name` as one key, so that layer names
 * containing dots (`h1.mean`) are read whole, and errors still name the dataset and record.
 */
function layerView(dataset: Dataset, prefix: string, name: string): Dataset {
  const path = `${prefix}.${name}`;
  return {
    ...dataset,
    records: dataset.records.map((record) => {
      const layers = getField(record, prefix);
      return { [path]: layers && typeof layers === 'object' ? (layers as Record<string, unknown>)[name] : undefined };
    }),
  };
}

function kindOf(dataset: Dataset, path: string): 'scalar' | 'vector' | undefined {
  for (const record of dataset.records) {
    const v = record[path];
    if (v === undefined || v === null) continue;
    return Array.isArray(v) || ArrayBuffer.isView(v) ? 'vector' : 'scalar';
  }
  return undefined;
}

export const layerDrift = defineDetector({
  description: 'Compares per-layer activation statistics or vectors (`layers.<name>`) layer by layer (KS for numbers, MMD or pca-ks for vectors) and ranks layers by Benjamini–Hochberg-adjusted p-values.',
  needs: ['reference'],
  options: {
    type: 'object',
    properties: {
      prefix: { type: 'string', default: 'layers', description: 'Record field holding an object of layers: `{ "<layer>": number | number[] }`.' },
      layers: { type: 'array', items: { type: 'string' }, description: 'Only these layers (default: every layer found).' },
      vectorMethod: { type: 'string', enum: ['mmd', 'pca-ks'], default: 'mmd', description: 'Test for vector-valued layers.' },
      pca: { type: 'integer', minimum: 1, default: 10, description: 'Components tested by pca-ks.' },
      permutations: { type: 'integer', minimum: 1, default: 100, description: 'First batch of permutations of the MMD test; more are drawn (Besag–Clifford sequential, stopping after 10 exceedances) until the smallest p-value can reach alpha / (layers × the run\'s corrected tests).' },
      sample: { type: 'integer', minimum: 2, default: 1000, description: 'Cap on the records per side for vector layers (seeded sample).' },
      seed: { type: 'integer', description: 'Seed (default: derived from the run seed and the detector id).' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'False discovery rate q: a layer drifted when its BH-adjusted p-value is below it.' },
      minEffect: { type: 'number', minimum: 0, description: 'Smallest statistic of the most drifted layer that fails (KS D, MMD² or max KS D); smaller significant drift warns.' },
    },
    additionalProperties: false,
  },
  example: { prefix: 'layers', vectorMethod: 'mmd' },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.prefix].filter((f): f is string => typeof f === 'string'),
  create(options) {
    const alpha = options.threshold;
    return {
      async evaluate({ reference, current }, ctx): Promise<DetectorResult> {
        if (!reference) throw new DataError('layer-drift needs a reference dataset; add one under `data:` (named `reference`)');
        for (const ds of [reference, current]) if (ds.records.length === 0) throw new DataError(`dataset "${ds.name}" (${ds.origin}) is empty`);
        const random = randomFor(ctx, options.seed, createRandom);
        const names = options.layers ?? layerNames([reference, current], options.prefix);
        if (names.length === 0) {
          throw new DataError(`no layers found: field "${options.prefix}" is missing or not an object in every record of dataset "${reference.name}" (${reference.origin}) and "${current.name}"; records need e.g. { "${options.prefix}": { "h0": 0.12, "h1": [0.1, 0.2] } }`);
        }
        // Each layer's MMD p-value is judged after BH over the layers and the run's correction: its
        // permutations are sized (Besag–Clifford sequential) so that its floor can reach alpha / (layers · tests).
        const level = ctx.levelFor(alpha) / names.length;
        const budget = Math.min(10_000, permutationsForLevel(level, options.permutations));
        const rows = [];
        for (const name of names) {
          const path = `${options.prefix}.${name}`;
          const refView = layerView(reference, options.prefix, name), curView = layerView(current, options.prefix, name);
          const kind = kindOf(refView, path) ?? kindOf(curView, path);
          if (kind === 'scalar') {
            const a = numericColumn(refView, path), b = numericColumn(curView, path);
            const r = ks2Samp(a.values, b.values);
            rows.push({ layer: name, kind, method: 'ks', statistic: r.statistic, pValue: r.pValue, n: [a.values.length, b.values.length] });
          } else {
            const a = vectorColumn(refView, path), b = vectorColumn(curView, path, a.matrix.cols);
            const x = selectRows(a.matrix, sampleIndices(a.matrix.rows, Math.min(options.sample, a.matrix.rows), random));
            const y = selectRows(b.matrix, sampleIndices(b.matrix.rows, Math.min(options.sample, b.matrix.rows), random));
            if (x.rows < 2 || y.rows < 2) throw new DataError(`layer "${name}" needs at least 2 vectors per side (reference ${x.rows}, current ${y.rows})`);
            const r = options.vectorMethod === 'mmd'
              ? (({ statistic, pValue }) => ({ statistic, pValue: pValue! }))(mmdTestSequential(x, y, { permutations: options.permutations, maxPermutations: budget, stopAfter: SEQUENTIAL_STOP_AFTER, random }))
              : pcaKsTest(x, y, { components: options.pca });
            rows.push({ layer: name, kind: kind ?? 'vector', method: options.vectorMethod, statistic: r.statistic, pValue: r.pValue, n: [x.rows, y.rows], dimensions: x.cols });
          }
        }
        const adjusted = benjaminiHochberg(rows.map((r) => r.pValue));
        const layers = rows.map((r, i) => ({ ...r, pAdjusted: adjusted[i]!, drifted: adjusted[i]! < alpha }))
          .sort((a, b) => a.pAdjusted - b.pAdjusted || a.pValue - b.pValue || b.statistic - a.statistic);
        const drifted = layers.filter((l) => l.drifted);
        const top = layers[0]!;
        const status = decide(top.pAdjusted, alpha, top.statistic, options.minEffect);
        return {
          status,
          statistic: drifted.length,
          pValue: top.pAdjusted,
          threshold: alpha,
          message: `${drifted.length} of ${layers.length} layers drifted (BH q < ${alpha}); most: ${top.layer} (${top.method} ${fmt(top.statistic)}, adjusted p=${fmt(top.pAdjusted)})`,
          details: { layers, correction: 'benjamini-hochberg', drifted: drifted.map((l) => l.layer) },
          test: { alpha, effectSize: top.statistic, minEffect: options.minEffect ?? null },
        };
      },
    };
  },
});
