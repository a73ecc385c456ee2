/**
 * `feature-drift`: compares one field (a number or a category) between the reference and the
 * current dataset with a two-sample test or a distance from @vigia/stats.
 */
import {
  ConfigError, DataError, categoricalColumn, defineDetector, getField, numericColumn,
  type ComponentContext, type Dataset, type DetectorResult,
} from '@vigia/core';
import {
  alignCategoryCounts, binnedShares, chiSquareTest, cohensD, cramersV, cramerVonMises2Samp, energyDistance,
  jensenShannonCategorical, jensenShannonDistance, ks2Samp, psiFromShares, quantileSorted, sortedFinite, stdPopulation,
  totalVariation, wasserstein1,
} from '@vigia/stats';

export type FeatureTest = 'ks' | 'chi2' | 'wasserstein' | 'psi' | 'jensenshannon' | 'energy' | 'cvm' | 'tvd';
type FieldType = 'numeric' | 'categorical';

const NUMERIC_ONLY: ReadonlySet<FeatureTest> = new Set(['ks', 'wasserstein', 'energy', 'cvm']);
const CATEGORICAL_ONLY: ReadonlySet<FeatureTest> = new Set(['chi2', 'tvd']);

/** Default thresholds: alpha for p-value tests, the distance itself for the others. */
export const FEATURE_DRIFT_DEFAULT_THRESHOLDS: Readonly<Record<FeatureTest, number>> = {
  ks: 0.05, chi2: 0.05, cvm: 0.05,
  wasserstein: 0.1, energy: 0.1, jensenshannon: 0.1, psi: 0.2, tvd: 0.1,
};

/** Largest reference size (non-missing values) for which the default test is KS / chi-square. */
export const FEATURE_DRIFT_SMALL_SAMPLE = 1000;

const STATISTIC_LABEL: Record<FeatureTest, string> = {
  ks: 'D', chi2: 'chi2', cvm: 'T', wasserstein: 'W/sd', energy: 'E/√sd', psi: 'PSI', jensenshannon: 'JS', tvd: 'TVD',
};

const QUANTILE_PS = [0.05, 0.25, 0.5, 0.75, 0.95] as const;
const MAX_LISTED_CATEGORIES = 20;

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(1) : Number(x.toPrecision(2)).toString();
}

/** The field's type from the present values of both datasets: numeric iff every one is a number or numeric string. */
function detectType(datasets: readonly Dataset[], field: string): FieldType {
  let present = 0;
  for (const d of datasets) {
    for (const record of d.records) {
      const v = getField(record, field);
      if (v === undefined || v === null || v === '') continue;
      present++;
      if (typeof v === 'number' && Number.isFinite(v)) continue;
      if (typeof v === 'string' && Number.isFinite(Number(v))) continue;
      return 'categorical';
    }
  }
  if (present === 0) {
    const empty = datasets.find((d) => d.records.length === 0);
    if (empty) throw new DataError(`dataset "${empty.name}" (${empty.origin}) is empty`);
    throw new DataError(`field "${field}" is missing in every record of ${datasets.map((d) => `dataset "${d.name}" (${d.origin})`).join(' and ')}; check the field name (dotted paths like attributes.x are supported)`);
  }
  return 'numeric';
}

function numericValues(dataset: Dataset, field: string, test: FeatureTest) {
  try {
    return numericColumn(dataset, field);
  } catch (error) {
    if (error instanceof DataError && /not a finite number/.test(error.message)) {
      throw new DataError(`${error.message}; feature-drift test "${test}" needs numbers: fix the data, or set type: categorical with test chi2, tvd, psi or jensenshannon`, { cause: error });
    }
    throw error;
  }
}

function numericSummary(sorted: Float64Array) {
  let mean = 0;
  for (let i = 0; i < sorted.length; i++) mean += sorted[i]!;
  mean /= sorted.length;
  const quantiles: Record<string, number> = {};
  for (const p of QUANTILE_PS) quantiles[`p${String(Math.round(p * 100)).padStart(2, '0')}`] = quantileSorted(sorted, p);
  return { mean, std: stdPopulation(sorted), min: sorted[0]!, max: sorted[sorted.length - 1]!, quantiles };
}

export const featureDrift = defineDetector({
  description:
    'Compares one field between reference and current with a two-sample test (KS, chi-square, Cramér–von Mises) or a distance (Wasserstein, energy, PSI, Jensen–Shannon, total variation). Numbers or categories, detected from the data.',
  needs: ['reference'],
  example: { field: 'latency_ms', test: 'ks', threshold: 0.01 },
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', minLength: 1, description: 'Dotted path of the field to compare, e.g. latency_ms or attributes.user_group.' },
      test: {
        type: 'string',
        enum: ['ks', 'chi2', 'wasserstein', 'psi', 'jensenshannon', 'energy', 'cvm', 'tvd'],
        description: 'Test or distance. Default by type and reference size: numeric n ≤ 1000 → ks, larger → wasserstein (normalised); categorical n ≤ 1000 → chi2, larger → jensenshannon.',
      },
      threshold: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'For ks, chi2, cvm: the significance level alpha (default 0.05; fail when p < alpha). For distances: fail when the distance exceeds it (defaults: wasserstein 0.1, energy 0.1, jensenshannon 0.1, psi 0.2, tvd 0.1).',
      },
      type: { type: 'string', enum: ['auto', 'numeric', 'categorical'], default: 'auto', description: 'Field type; auto: numeric when every present value is a number (or numeric string).' },
      bins: { type: 'integer', minimum: 2, maximum: 1000, default: 10, description: 'Reference-quantile bins for psi and jensenshannon on numbers.' },
      minEffect: {
        type: 'number',
        minimum: 0,
        description: 'For p-value tests: fail only when the effect size (wasserstein normalised for numbers, total variation for categories) is at least this; a significant smaller effect warns.',
      },
    },
    required: ['field'],
    additionalProperties: false,
  },
  check: (options) => {
    const test = options.test as FeatureTest | undefined;
    if (test && options.type === 'numeric' && CATEGORICAL_ONLY.has(test)) return `/test "${test}" compares categories but type is numeric; use ks, cvm, wasserstein, energy, psi or jensenshannon`;
    if (test && options.type === 'categorical' && NUMERIC_ONLY.has(test)) return `/test "${test}" needs numbers but type is categorical; use chi2, tvd, psi or jensenshannon`;
    return undefined;
  },
  create: (options, ctx: ComponentContext) => {
    const { field, bins } = options;
    const requestedTest = options.test as FeatureTest | undefined;
    const requestedType = options.type ?? 'auto';
    const minEffect = options.minEffect ?? null;
    if (requestedTest && requestedType === 'numeric' && CATEGORICAL_ONLY.has(requestedTest)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${ctx.id}": test "${requestedTest}" compares categories but type is numeric; use ks, cvm, wasserstein, energy, psi or jensenshannon`);
    }
    if (requestedTest && requestedType === 'categorical' && NUMERIC_ONLY.has(requestedTest)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${ctx.id}": test "${requestedTest}" needs numbers but type is categorical; use chi2, tvd, psi or jensenshannon`);
    }
    return {
      evaluate({ reference, current }, runCtx): DetectorResult {
        if (!reference) {
          throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${runCtx.id}" needs a reference dataset, but the run has none: add data.reference to the config (or name one with reference: on the detector)`);
        }
        let type: FieldType;
        if (requestedType !== 'auto') type = requestedType;
        else if (requestedTest && NUMERIC_ONLY.has(requestedTest)) type = 'numeric';
        else if (requestedTest && CATEGORICAL_ONLY.has(requestedTest)) type = 'categorical';
        else type = detectType([reference, current], field);
        return type === 'numeric'
          ? evaluateNumeric(reference, current, field, requestedTest, bins, minEffect, options.threshold)
          : evaluateCategorical(reference, current, field, requestedTest, minEffect, options.threshold);
      },
    };
  },
});

function decide(
  test: FeatureTest, statistic: number, pValue: number | null, thresholdOption: number | undefined,
  effectSize: number, minEffect: number | null,
): Pick<DetectorResult, 'status' | 'threshold' | 'test'> & { verdict: string } {
  const threshold = thresholdOption ?? FEATURE_DRIFT_DEFAULT_THRESHOLDS[test];
  if (pValue !== null) {
    const significant = pValue < threshold;
    const bigEnough = minEffect === null || effectSize >= minEffect;
    const status = significant ? (bigEnough ? 'fail' : 'warn') : 'pass';
    const verdict = significant
      ? bigEnough ? `p < ${fmt(threshold)}` : `p < ${fmt(threshold)} but effect ${fmt(effectSize)} < minEffect ${fmt(minEffect!)}`
      : `p ≥ ${fmt(threshold)}`;
    return { status, threshold, test: { alpha: threshold, effectSize, minEffect }, verdict };
  }
  const fail = statistic > threshold;
  return { status: fail ? 'fail' : 'pass', threshold, verdict: `${fail ? '>' : '≤'} ${fmt(threshold)}` };
}

function evaluateNumeric(
  reference: Dataset, current: Dataset, field: string, requested: FeatureTest | undefined, bins: number,
  minEffect: number | null, thresholdOption: number | undefined,
): DetectorResult {
  const provisional = requested ?? 'ks';
  const ref = numericValues(reference, field, provisional);
  const cur = numericValues(current, field, provisional);
  const n1 = ref.values.length;
  const n2 = cur.values.length;
  const test: FeatureTest = requested ?? (n1 <= FEATURE_DRIFT_SMALL_SAMPLE ? 'ks' : 'wasserstein');
  const refSorted = sortedFinite(ref.values, `dataset "${reference.name}" field ${field}`);
  const curSorted = sortedFinite(cur.values, `dataset "${current.name}" field ${field}`);
  const refStd = stdPopulation(refSorted);
  const scale = Math.max(refStd, 0.001);
  const effectSize = wasserstein1(refSorted, curSorted) / scale;
  let statistic: number;
  let pValue: number | null = null;
  const extra: Record<string, unknown> = {};
  switch (test) {
    case 'ks': {
      const r = ks2Samp(refSorted, curSorted);
      statistic = r.statistic;
      pValue = r.pValue;
      extra.method = r.method;
      break;
    }
    case 'cvm': {
      if (n1 < 2 || n2 < 2) throw new DataError(`feature-drift test "cvm" needs at least 2 values of "${field}" in each dataset; got ${n1} in "${reference.name}" and ${n2} in "${current.name}"`);
      const r = cramerVonMises2Samp(refSorted, curSorted);
      statistic = r.statistic;
      pValue = r.pValue;
      extra.method = r.method;
      break;
    }
    case 'wasserstein':
      statistic = effectSize;
      extra.wasserstein = effectSize * scale;
      break;
    case 'energy': {
      // Energy distance (a square root of an L1-type quantity) scales with √scale: dividing by
      // √sd gives the energy distance of the standardised samples.
      const e = energyDistance(refSorted, curSorted);
      statistic = e / Math.sqrt(scale);
      extra.energy = e;
      break;
    }
    case 'psi':
    case 'jensenshannon': {
      const shares = binnedShares(refSorted, curSorted, bins);
      statistic = test === 'psi' ? psiFromShares(shares.reference, shares.current) : jensenShannonDistance(shares.reference, shares.current);
      extra.bins = { edges: [...shares.edges], reference: [...shares.reference], current: [...shares.current] };
      break;
    }
    default:
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift: test "${test}" compares categories, but "${field}" is numeric; use ks, cvm, wasserstein, energy, psi or jensenshannon, or set type: categorical`);
  }
  const decision = decide(test, statistic, pValue, thresholdOption, effectSize, minEffect);
  return toResult(test, field, statistic, pValue, decision, [n1, n2], {
    test, type: 'numeric', field,
    nReference: n1, nCurrent: n2, missingReference: ref.missing, missingCurrent: cur.missing,
    effectSize, effectSizeName: 'wasserstein_normalized', cohensD: cohensD(refSorted, curSorted),
    reference: numericSummary(refSorted), current: numericSummary(curSorted),
    ...extra,
  });
}

/** The result both field types share: status from the decision, a one-line message, the details. */
function toResult(
  test: FeatureTest, field: string, statistic: number, pValue: number | null,
  decision: ReturnType<typeof decide>, [n1, n2]: [number, number], details: Record<string, unknown>,
): DetectorResult {
  const pPart = pValue === null ? ` ${decision.verdict}` : `, p=${fmt(pValue)}`;
  return {
    status: decision.status,
    statistic,
    pValue,
    threshold: decision.threshold,
    message: `${test}: ${STATISTIC_LABEL[test]}=${fmt(statistic)}${pPart} on ${field} (n=${n1} vs ${n2})`,
    details,
    ...(decision.test ? { test: decision.test } : {}),
  };
}

function evaluateCategorical(
  reference: Dataset, current: Dataset, field: string, requested: FeatureTest | undefined,
  minEffect: number | null, thresholdOption: number | undefined,
): DetectorResult {
  const ref = categoricalColumn(reference, field);
  const cur = categoricalColumn(current, field);
  const n1 = ref.values.length;
  const n2 = cur.values.length;
  const test: FeatureTest = requested ?? (n1 <= FEATURE_DRIFT_SMALL_SAMPLE ? 'chi2' : 'jensenshannon');
  const aligned = alignCategoryCounts(ref.values, cur.values);
  const effectSize = totalVariation(aligned.reference, aligned.current);
  let statistic: number;
  let pValue: number | null = null;
  const extra: Record<string, unknown> = {};
  switch (test) {
    case 'chi2': {
      const r = chiSquareTest(aligned.reference, aligned.current);
      statistic = r.statistic;
      pValue = r.pValue;
      extra.dof = r.dof;
      break;
    }
    case 'tvd':
      statistic = effectSize;
      break;
    case 'jensenshannon':
      statistic = jensenShannonCategorical(aligned.reference, aligned.current);
      break;
    case 'psi': {
      const share = (counts: Float64Array, n: number) => counts.map((c) => c / n);
      statistic = psiFromShares(share(aligned.reference, n1), share(aligned.current, n2));
      break;
    }
    default:
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift: test "${test}" needs numbers, but "${field}" holds categories; use chi2, tvd, psi or jensenshannon, or set type: numeric`);
  }
  const decision = decide(test, statistic, pValue, thresholdOption, effectSize, minEffect);
  // Shares of the most frequent categories (by reference + current count), so details stay small.
  const order = aligned.categories.map((_, i) => i).sort((a, b) => aligned.reference[b]! + aligned.current[b]! - (aligned.reference[a]! + aligned.current[a]!));
  const listed = order.slice(0, MAX_LISTED_CATEGORIES);
  const shares = (counts: Float64Array, n: number) => Object.fromEntries(listed.map((i) => [aligned.categories[i]!, counts[i]! / n]));
  return toResult(test, field, statistic, pValue, decision, [n1, n2], {
    test, type: 'categorical', field,
    nReference: n1, nCurrent: n2, missingReference: ref.missing, missingCurrent: cur.missing,
    effectSize, effectSizeName: 'tvd', cramersV: cramersV(aligned.reference, aligned.current),
    categories: aligned.categories.length,
    unseenInReference: aligned.unseenInReference.slice(0, MAX_LISTED_CATEGORIES),
    reference: { shares: shares(aligned.reference, n1) },
    current: { shares: shares(aligned.current, n2) },
    ...extra,
  });
}
