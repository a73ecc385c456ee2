/**
 * counterfactual-bias: records come in sets that differ only in a group term; a per-response
 * measure is compared across the members of each set with paired tests, effect sizes with
 * bootstrap intervals, and Benjamini–Hochberg across the group comparisons.
 */
import { DataError, defineDetector, describeValue, getField, type DetectorResult, type VigiaRecord } from '@vigia/core';
import {
  benjaminiHochberg, blockPermutationTest, bootstrapCi, clipPValue, mcnemarPaired, signFlipTest, wilcoxonSignedRank,
  type Random,
} from '@vigia/stats';
import { fmt } from './format.js';
import { cosineDistance, lengthOf, refusalDetector, sentimentScorer } from './measures.js';

type Measure = 'sentiment' | 'refusal' | 'length' | 'field' | 'embedding';

/** One (set, group) cell: the mean measure over its records. */
interface Cell {
  value: number;
  records: number;
  /** The first record's response, for examples. */
  text: string | undefined;
  binary: boolean;
}

export interface Comparison {
  group: string;
  /** The group it is compared with: the baseline, or `rest of set` (mean of the set's other members). */
  versus: string;
  sets: number;
  test: 'wilcoxon' | 'mcnemar' | 'permutation' | 'block-permutation' | null;
  tooSmall?: boolean;
  /** Mean of the group's measure and of the comparison's, over the paired sets. */
  mean?: number;
  meanVersus?: number;
  /** Mean paired difference (group − versus), with its bootstrap interval. */
  difference?: number;
  ci?: [number, number] | null;
  /** Standardised effect: matched-pairs rank-biserial (Wilcoxon) or the difference in rates (McNemar). */
  effect?: { name: string; value: number; ci: [number, number] | null };
  statistic?: number;
  pValue?: number;
  pValueAdjusted?: number;
  differs?: boolean;
  mcnemar?: { b: number; c: number };
  examples?: { set: string; difference: number; group: { value: number; response?: string }; versus: { value: number; response?: string } }[];
}

const clip = (s: string | undefined, n = 200) => (s === undefined ? undefined : s.length > n ? `${s.slice(0, n - 1)}…` : s);
const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return xs.length ? s / xs.length : NaN;
};

/**
 * The matched-pairs rank-biserial correlation of a resample (indices into `d`), in O(n) per call:
 * |d| is sorted once, and a resample's mid-ranks follow from the multiplicities in that order.
 * Zero differences are dropped, as in the Wilcoxon test.
 */
export function rankBiserialOfResample(d: readonly number[]): (idx: Int32Array) => number {
  const order = d.map((_, i) => i).filter((i) => d[i] !== 0).sort((a, b) => Math.abs(d[a]!) - Math.abs(d[b]!));
  const count = new Int32Array(d.length);
  return (idx) => {
    count.fill(0);
    for (let k = 0; k < idx.length; k++) count[idx[k]!]!++;
    let position = 0, plus = 0, minus = 0;
    for (let a = 0; a < order.length;) {
      let b = a, total = 0, pos = 0, neg = 0;
      const magnitude = Math.abs(d[order[a]!]!);
      while (b < order.length && Math.abs(d[order[b]!]!) === magnitude) {
        const i = order[b]!;
        total += count[i]!;
        if (d[i]! > 0) pos += count[i]!; else neg += count[i]!;
        b++;
      }
      const rank = position + (total + 1) / 2;
      plus += rank * pos;
      minus += rank * neg;
      position += total;
      a = b;
    }
    return plus + minus > 0 ? (plus - minus) / (plus + minus) : 0;
  };
}

export const counterfactualBias = defineDetector({
  description:
    'Compares a per-response measure (sentiment, refusal, length, a numeric field or embedding distance) across the members of counterfactual sets that differ only in a group term: Wilcoxon signed-rank, McNemar or permutation tests, effect sizes with bootstrap intervals, Benjamini–Hochberg across groups.',
  options: {
    type: 'object',
    properties: {
      setField: { type: 'string', default: 'set', description: 'Field naming the counterfactual set a record belongs to (records of one set differ only in the group term).' },
      groupField: { type: 'string', default: 'group', description: 'Field naming the record\'s group (the term that was swapped).' },
      responseField: { type: 'string', default: 'response', description: 'Field with the model\'s response text (for sentiment, refusal, length, embedding and examples).' },
      measure: { type: 'string', enum: ['sentiment', 'refusal', 'length', 'field', 'embedding'], default: 'sentiment', description: 'What is compared: VADER compound sentiment, refusal (0/1 by patterns), response length, the numeric `field`, or the embedding distance of a response to the mean of its set\'s other responses.' },
      field: { type: 'string', description: 'Numeric field compared when measure is `field` (e.g. a toxicity score, latency_ms).' },
      embedder: { type: 'string', description: 'Embedder under `embedders:` for measure `embedding` (default: the first one).' },
      lengthUnit: { type: 'string', enum: ['words', 'characters'], default: 'words', description: 'Unit of measure `length`.' },
      refusalPatterns: { type: 'array', items: { type: 'string' }, description: 'Extra regular expressions (case-insensitive) that mark a refusal, added to the defaults.' },
      defaultRefusalPatterns: { type: 'boolean', default: true, description: 'Use the built-in refusal patterns (see the plugin README).' },
      baseline: { type: 'string', description: 'Group every other group is compared with. Without it: two groups are compared with each other (the second seen against the first); three or more each against the rest of their set.' },
      test: { type: 'string', enum: ['auto', 'wilcoxon', 'mcnemar', 'permutation'], default: 'auto', description: '`auto`: McNemar for one yes/no outcome per member, Wilcoxon signed-rank for numbers, a block permutation test for group-vs-rest; or force one (paired comparisons only).' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level alpha for the Benjamini–Hochberg-adjusted p-values.' },
      minEffect: { type: 'number', minimum: 0, description: 'Smallest |mean difference| (in the measure\'s units) that fails; smaller significant differences warn.' },
      minSets: { type: 'integer', minimum: 2, default: 10, description: 'A comparison with fewer paired sets is reported as too small instead of tested.' },
      permutations: { type: 'integer', minimum: 99, default: 9999, description: 'Resamples of the permutation tests (sign flips are enumerated exactly up to 16 pairs).' },
      bootstrap: { type: 'integer', minimum: 0, default: 1000, description: 'Bootstrap resamples (over sets) for the effect-size intervals; 0 for none.' },
      ciLevel: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95, description: 'Confidence level of the intervals.' },
      examples: { type: 'integer', minimum: 0, default: 3, description: 'Example sets (largest differences) shown per differing group.' },
    },
    additionalProperties: false,
  },
  example: { setField: 'set', groupField: 'group', responseField: 'response', measure: 'sentiment' },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.setField, options.groupField, options.responseField, options.measure === 'field' ? options.field : undefined].filter((f): f is string => typeof f === 'string'),
  create(options) {
    const measure = options.measure as Measure;
    if (measure === 'field' && !options.field) throw new DataError('counterfactual-bias: measure `field` needs `field`, the numeric field to compare');
    return {
      async evaluate({ current }, ctx): Promise<DetectorResult> {
        const where = `dataset "${current.name}" (${current.origin})`;
        if (current.records.length === 0) throw new DataError(`${where} is empty; counterfactual-bias needs records grouped into sets`);
        const skipped = { missingSet: 0, missingGroup: 0, missingResponse: 0, missingValue: 0 };
        const texts: (string | undefined)[] = [];
        const kept: { set: string; group: string; record: VigiaRecord; text: string | undefined }[] = [];
        const needsText = measure !== 'field';
        // A set, group or response must be a text or a number: an object or a list would become "[object Object]".
        const scalar = (v: unknown, i: number, field: string, role: string): void => {
          if (v !== null && typeof v === 'object') throw new DataError(`${where}, record ${i + 1}: field "${field}" (${role}) is ${describeValue(v)}, not a text or a number`);
        };
        for (const [i, record] of current.records.entries()) {
          const set = getField(record, options.setField), group = getField(record, options.groupField);
          if (set === undefined || set === null || set === '') { skipped.missingSet++; continue; }
          if (group === undefined || group === null || group === '') { skipped.missingGroup++; continue; }
          scalar(set, i, options.setField, 'setField');
          scalar(group, i, options.groupField, 'groupField');
          const raw = getField(record, options.responseField);
          if (needsText) scalar(raw, i, options.responseField, 'responseField');
          const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? undefined : String(raw);
          if (needsText && text === undefined) { skipped.missingResponse++; continue; }
          kept.push({ set: String(set), group: String(group), record, text });
          texts.push(text);
        }
        if (kept.length === 0) {
          const why = skipped.missingSet === current.records.length ? `field "${options.setField}" (setField)` : skipped.missingGroup ? `field "${options.groupField}" (groupField)` : `field "${options.responseField}" (responseField)`;
          throw new DataError(`${where}: no record has ${why}; every record needs a set, a group and (except for measure field) a response`);
        }

        // The measure of every kept record.
        let values: Float64Array;
        let binary = false;
        if (measure === 'sentiment') {
          const score = await sentimentScorer();
          values = Float64Array.from(kept, (k) => score(k.text!));
        } else if (measure === 'refusal') {
          const refused = refusalDetector(options.refusalPatterns ?? [], options.defaultRefusalPatterns);
          values = Float64Array.from(kept, (k) => refused(k.text!));
          binary = true;
        } else if (measure === 'length') {
          values = Float64Array.from(kept, (k) => lengthOf(k.text!, options.lengthUnit));
        } else if (measure === 'field') {
          values = new Float64Array(kept.length);
          kept.forEach((k, i) => {
            const raw = getField(k.record, options.field!);
            const v = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw === true ? 1 : raw === false ? 0 : NaN;
            if (raw !== undefined && raw !== null && raw !== '' && !Number.isFinite(v)) {
              throw new DataError(`${where}: field "${options.field}" is ${describeValue(raw)} in set ${k.set}, group ${k.group}; measure field needs numbers`);
            }
            values[i] = raw === undefined || raw === null || raw === '' ? NaN : v;
          });
          if (values.every(Number.isNaN)) throw new DataError(`${where}: field "${options.field}" is missing in every record; check the field name`);
          binary = values.every((v) => Number.isNaN(v) || v === 0 || v === 1);
        } else {
          values = new Float64Array(kept.length); // filled per set below
        }

        // Cells: (set, group) → mean measure.
        const sets = new Map<string, Map<string, { sum: number; n: number; text: string | undefined; index: number[] }>>();
        const groupOrder: string[] = [];
        kept.forEach((k, i) => {
          if (Number.isNaN(values[i]!)) { skipped.missingValue++; return; }
          let s = sets.get(k.set);
          if (!s) sets.set(k.set, (s = new Map()));
          let c = s.get(k.group);
          if (!c) {
            s.set(k.group, (c = { sum: 0, n: 0, text: k.text, index: [] }));
            if (!groupOrder.includes(k.group)) groupOrder.push(k.group);
          }
          c.sum += values[i]!;
          c.n++;
          c.index.push(i);
        });

        if (measure === 'embedding') {
          const largest = Math.max(...[...sets.values()].map((s) => s.size));
          if (largest < 3) throw new DataError(`${where}: measure embedding compares each response with the other members of its set, so sets need at least 3 groups (the largest has ${largest}); with pairs both distances are equal — use sentiment, length or a field`);
          const embedder = await ctx.embedder(options.embedder);
          const vectors = await embedder.embed(kept.map((k) => k.text ?? ''), ctx.signal);
          for (const s of sets.values()) {
            const centroids = new Map<string, Float64Array>();
            for (const [g, c] of s) {
              const dim = vectors[c.index[0]!]!.length;
              const v = new Float64Array(dim);
              for (const i of c.index) { const x = vectors[i]!; let norm = 0; for (let d = 0; d < dim; d++) norm += x[d]! * x[d]!; norm = Math.sqrt(norm) || 1; for (let d = 0; d < dim; d++) v[d] += x[d]! / norm / c.index.length; }
              centroids.set(g, v);
            }
            for (const [g, c] of s) {
              const own = centroids.get(g)!;
              const others = new Float64Array(own.length);
              for (const [h, v] of centroids) if (h !== g) for (let d = 0; d < own.length; d++) others[d] += v[d]!;
              c.sum = s.size > 1 ? cosineDistance(own, others) : NaN;
              c.n = 1;
            }
          }
        }

        const cellOf = (s: Map<string, { sum: number; n: number; text: string | undefined }>, g: string): Cell | undefined => {
          const c = s.get(g);
          return c && !Number.isNaN(c.sum) ? { value: c.sum / c.n, records: c.n, text: c.text, binary: binary && c.n === 1 } : undefined;
        };
        const groups = groupOrder;
        if (groups.length < 2) throw new DataError(`${where}: every set has only the group "${groups[0]}"; counterfactual sets need at least two groups (check groupField "${options.groupField}")`);
        if (options.baseline !== undefined && !groups.includes(options.baseline)) {
          throw new DataError(`${where}: baseline group "${options.baseline}" does not occur in field "${options.groupField}" (groups: ${groups.slice(0, 10).join(', ')}${groups.length > 10 ? ', …' : ''})`);
        }
        const rng = ctx.rng.fork('counterfactual-bias');
        const random: Random = () => rng.next();
        const mode: 'pair' | 'rest' = options.baseline !== undefined || groups.length === 2 ? 'pair' : 'rest';
        const baseline = options.baseline ?? groups[0]!;
        const compared = mode === 'pair' ? groups.filter((g) => g !== baseline) : groups;
        if (mode === 'rest' && options.test !== 'auto' && options.test !== 'permutation') {
          throw new DataError(`${where}: test ${options.test} needs paired comparisons, but with ${groups.length} groups and no baseline each group is compared with the rest of its set (a block permutation test); set baseline or test: auto`);
        }
        const repeats = [...sets.values()].some((s) => [...s.values()].some((c) => c.n > 1));

        const comparisons: Comparison[] = compared.map((group) => {
          const versus = mode === 'pair' ? baseline : 'rest of set';
          const x: number[] = [], y: number[] = [], setIds: string[] = [];
          const pairs: { x: Cell; y: Cell }[] = [];
          const contrasts: Float64Array[] = [];
          const observed: number[] = [];
          for (const [id, s] of sets) {
            const own = cellOf(s, group);
            if (!own) continue;
            if (mode === 'pair') {
              const other = cellOf(s, baseline);
              if (!other) continue;
              x.push(own.value); y.push(other.value); setIds.push(id); pairs.push({ x: own, y: other });
            } else {
              const members = [...s.keys()].map((g) => [g, cellOf(s, g)] as const).filter((m): m is readonly [string, Cell] => m[1] !== undefined);
              if (members.length < 2) continue;
              const total = members.reduce((a, [, c]) => a + c.value, 0);
              const k = members.length;
              contrasts.push(Float64Array.from(members, ([, c]) => c.value - (total - c.value) / (k - 1)));
              observed.push(members.findIndex(([g]) => g === group));
              x.push(own.value); y.push((total - own.value) / (k - 1)); setIds.push(id);
              pairs.push({ x: own, y: { value: (total - own.value) / (k - 1), records: 0, text: undefined, binary: false } });
            }
          }
          const n = x.length;
          const base: Comparison = { group, versus, sets: n, test: null };
          if (n < options.minSets) return { ...base, tooSmall: true };
          const d = x.map((v, i) => v - y[i]!);
          let test: Comparison['test'];
          if (mode === 'rest') test = 'block-permutation';
          else if (options.test !== 'auto') test = options.test;
          else test = pairs.every((p) => p.x.binary && p.y.binary) ? 'mcnemar' : 'wilcoxon';
          if (test === 'mcnemar' && !pairs.every((p) => p.x.binary && p.y.binary)) {
            throw new DataError(`${where}: test mcnemar needs one yes/no (0/1) outcome per group and set${repeats ? ' (some sets have several records per group; their mean is not 0/1 — use test: wilcoxon or permutation)' : ''}`);
          }
          let statistic: number, pValue: number;
          let effect: Comparison['effect'];
          let mcnemar: Comparison['mcnemar'];
          const ciOpts = { resamples: options.bootstrap, level: options.ciLevel, random };
          const ciOf = (f: (idx: Int32Array) => number): [number, number] | null => {
            if (options.bootstrap === 0) return null;
            const ci = bootstrapCi(n, f, ciOpts);
            return Number.isNaN(ci.low) ? null : [ci.low, ci.high];
          };
          if (test === 'wilcoxon') {
            const w = wilcoxonSignedRank(d);
            statistic = w.statistic; pValue = w.pValue;
            effect = { name: 'rank-biserial', value: w.rankBiserial, ci: ciOf(rankBiserialOfResample(d)) };
          } else if (test === 'mcnemar') {
            const m = mcnemarPaired(x, y);
            statistic = m.statistic; pValue = m.pValue; mcnemar = { b: m.b, c: m.c };
            effect = { name: 'rate difference', value: (m.b - m.c) / n, ci: ciOf((idx) => mean(Array.from(idx, (i) => d[i]!))) };
          } else if (test === 'permutation') {
            const p = signFlipTest(d, { permutations: options.permutations, random });
            statistic = p.statistic; pValue = p.pValue;
          } else {
            const p = blockPermutationTest(contrasts, observed, { permutations: options.permutations, random });
            statistic = p.statistic; pValue = p.pValue;
          }
          const difference = mean(d);
          const order = d.map((_, i) => i).sort((a, b) => Math.abs(d[b]!) - Math.abs(d[a]!));
          return {
            ...base,
            test,
            mean: mean(x),
            meanVersus: mean(y),
            difference,
            ci: ciOf((idx) => mean(Array.from(idx, (i) => d[i]!))),
            ...(effect ? { effect } : {}),
            statistic,
            pValue: clipPValue(pValue),
            ...(mcnemar ? { mcnemar } : {}),
            examples: order.slice(0, options.examples).map((i) => ({
              set: setIds[i]!,
              difference: d[i]!,
              group: { value: x[i]!, ...(pairs[i]!.x.text !== undefined ? { response: clip(pairs[i]!.x.text) } : {}) },
              versus: { value: y[i]!, ...(pairs[i]!.y.text !== undefined ? { response: clip(pairs[i]!.y.text) } : {}) },
            })),
          };
        });

        const tested = comparisons.filter((c) => c.pValue !== undefined);
        const adjusted = benjaminiHochberg(tested.map((c) => c.pValue!));
        tested.forEach((c, i) => {
          c.pValueAdjusted = adjusted[i]!;
          c.differs = adjusted[i]! < options.threshold;
        });
        const tooSmall = comparisons.filter((c) => c.tooSmall).map((c) => ({ group: c.group, sets: c.sets }));
        const skippedTotal = Object.values(skipped).reduce((a, b) => a + b, 0);
        if (tested.length === 0) {
          throw new DataError(`${where}: no group has ${options.minSets} or more sets paired with ${mode === 'pair' ? `"${baseline}"` : 'other groups'} (${tooSmall.map((t) => `${t.group}: ${t.sets}`).join(', ')}); lower minSets or add sets`);
        }
        const differing = tested.filter((c) => c.differs).sort((a, b) => a.pValueAdjusted! - b.pValueAdjusted!);
        const effectOk = (c: Comparison) => options.minEffect === undefined || Math.abs(c.difference!) >= options.minEffect;
        const failing = differing.filter(effectOk);
        const best = [...tested].sort((a, b) => a.pValueAdjusted! - b.pValueAdjusted!)[0]!;
        const status = failing.length ? 'fail' : differing.length ? 'warn' : 'pass';
        const describe = (c: Comparison) => `${c.group} vs ${c.versus}: ${fmt(c.mean)} vs ${fmt(c.meanVersus)} (difference ${fmt(c.difference)}${c.ci ? `, CI ${fmt(c.ci[0])} to ${fmt(c.ci[1])}` : ''}, adjusted p=${fmt(c.pValueAdjusted)})`;
        const message = differing.length
          ? `${measure} differs for ${differing.length} of ${tested.length} group${tested.length === 1 ? '' : 's'}: ${differing.slice(0, 3).map(describe).join('; ')}${differing.length > 3 ? '; …' : ''}${status === 'warn' ? ` (below minEffect ${fmt(options.minEffect)})` : ''}`
          : `no group's ${measure} differs (smallest adjusted p=${fmt(best.pValueAdjusted)} for ${best.group} vs ${best.versus}, ${tested.length} group${tested.length === 1 ? '' : 's'} tested)`;
        return {
          status,
          statistic: best.difference ?? null,
          pValue: best.pValueAdjusted ?? null,
          threshold: options.threshold,
          message: `${message}${tooSmall.length ? `; ${tooSmall.length} too small` : ''}${skippedTotal ? `; ${skippedTotal} records skipped` : ''}`,
          details: {
            measure,
            mode: mode === 'pair' ? `each group vs "${baseline}"` : 'each group vs the rest of its set',
            sets: sets.size,
            groups: groups.length,
            repeats,
            differing: differing.map((c) => c.group),
            comparisons,
            tooSmall,
            skipped,
          },
          test: { alpha: options.threshold, effectSize: best.difference === undefined ? null : Math.abs(best.difference), minEffect: options.minEffect ?? null },
        };
      },
    };
  },
});
