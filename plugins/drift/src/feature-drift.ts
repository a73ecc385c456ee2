/**
 * `feature-drift`: compares one field (a number or a category) between the reference and the
 * current dataset with a two-sample test or a distance from @vigia/stats.
 */
import {
  ConfigError, DataError, categoricalColumn, defineDetector, describeValue, getField, type SharedGetter,
  type ComponentContext, type Dataset, type DetectorInput, type DetectorResult, type RecordBatch, type WindowInput,
} from '@vigia/core';
import {
  alignCategoryCounts, binnedShares, chiSquareTest, cohensD, cramersV, cramerVonMises2SampFromRanks, energyDistanceSorted, sampleMoments,
  jensenShannonCategorical, jensenShannonDistance, ks2SampFromStatistic, psiFromShares, quantileSorted, sortedFinite, sortedPairStatistics, stdPopulation,
  totalVariation, wasserstein1Sorted, type AlignedCounts, type SampleMoments, type SortedPairStatistics,
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
  ks: 'KS D', chi2: 'chi2', cvm: 'CvM T', wasserstein: 'W/sd', energy: 'E/√sd', psi: 'PSI', jensenshannon: 'JS', tvd: 'TVD',
};

/** Tests whose threshold is a significance level alpha (the others compare a distance with it). */
export const FEATURE_DRIFT_P_VALUE_TESTS: ReadonlySet<FeatureTest> = new Set(['ks', 'chi2', 'cvm']);

/**
 * Smallest number of values per side each test needs (documented in the option's description and
 * the README). Below it the detector warns "not tested", naming the counts: with 4 values a side the
 * exact KS p-value cannot go below 0.029, and a distance or a chi-square from a handful of values
 * says more about the sample than the data.
 */
export const FEATURE_DRIFT_MIN_SAMPLE: Readonly<Record<FeatureTest, number>> = {
  ks: 5, cvm: 5, chi2: 5, wasserstein: 10, energy: 10, psi: 10, jensenshannon: 10, tvd: 10,
};

const QUANTILE_PS = [0.05, 0.25, 0.5, 0.75, 0.95] as const;
const MAX_LISTED_CATEGORIES = 20;
const MAX_EXAMPLES = 3;

/** Numbers in messages: the table's format (4 significant digits, integers whole), so the two agree. */
export function fmt(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e6) return String(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
  return String(Number(x.toPrecision(4)));
}

/** A p-value in a message: `p=0.012`, `p=3.2e-8`, `p<1e-100` (values that small only say "certain"). */
export function fmtP(p: number): string {
  if (p < 1e-100) return 'p<1e-100';
  return `p=${p < 1e-3 ? p.toExponential(1).replace('e+', 'e') : String(Number(p.toPrecision(2)))}`;
}

/** A value of the field: 3 significant digits. */
function fmtValue(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e7)) return x.toExponential(2).replace('e+', 'e');
  return a >= 1000 ? String(Math.round(x)) : String(Number(x.toPrecision(3)));
}

/** The unit a field's name promises (`latency_ms` → ms), for messages. */
function unitOf(field: string): string {
  const name = field.split('.').at(-1)!.toLowerCase();
  if (/(^|_)ms$/.test(name)) return ' ms';
  if (/(^|_)(s|sec|seconds)$/.test(name)) return ' s';
  if (/tokens?$/.test(name)) return ' tokens';
  if (/(^|_)usd$/.test(name)) return ' USD';
  return '';
}

function change(a: number, b: number, unit: string): string {
  const rel = Math.abs((b - a) / a) * 100;
  const pct = a !== 0 ? ` (${b >= a ? '+' : '−'}${rel >= 10 ? Math.round(rel) : Number(rel.toPrecision(2))} %)` : '';
  return `${fmtValue(a)} → ${fmtValue(b)}${unit}${pct}`;
}

const pct = (share: number) => `${String(Number((share * 100).toPrecision(share < 0.01 ? 1 : 2)))} %`;

interface TypeScan {
  numbers: number;
  others: number;
  /** `dataset "current" record 12: "652.3ms"` */
  examples: string[];
  present: number;
}

function isNumberLike(v: unknown): boolean {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)));
}

function scanTypes(datasets: readonly Dataset[], field: string): TypeScan {
  const scan: TypeScan = { numbers: 0, others: 0, examples: [], present: 0 };
  for (const d of datasets) {
    d.records.forEach((record, i) => {
      const v = getField(record, field);
      if (v === undefined || v === null || v === '') return;
      scan.present++;
      if (isNumberLike(v)) scan.numbers++;
      else {
        scan.others++;
        if (scan.examples.length < MAX_EXAMPLES) scan.examples.push(`dataset "${d.name}" record ${i + 1}: ${describeValue(v, 40)}`);
      }
    });
  }
  return scan;
}

function noValues(datasets: readonly Dataset[], field: string): DataError {
  const empty = datasets.find((d) => d.records.length === 0);
  if (empty) return new DataError(`dataset "${empty.name}" (${empty.origin}) is empty`);
  return new DataError(`field "${field}" is missing in every record of ${datasets.map((d) => `dataset "${d.name}" (${d.origin})`).join(' and ')}; check the field name (dotted paths like attributes.x are supported)`);
}

/**
 * The field's type from the present values of both datasets. All numbers (or numeric strings):
 * numeric; none: categorical. A mix is a data error naming the counts and example records — a
 * number field with a few `"652.3ms"` strings must not turn into 3,000 categories — unless
 * `onInvalid: skip`, where the majority decides and (for numbers) the rest are skipped and counted.
 */
function detectType(datasets: readonly Dataset[], field: string, onInvalid: 'error' | 'skip'): FieldType {
  const scan = scanTypes(datasets, field);
  for (const d of datasets) if (d.records.length === 0) throw new DataError(`dataset "${d.name}" (${d.origin}) is empty`);
  if (scan.present === 0) throw noValues(datasets, field);
  return typeFromScan(scan, field, onInvalid);
}

/** The field's type from the counts of number-like and other present values (see {@link detectType}). */
function typeFromScan(scan: TypeScan, field: string, onInvalid: 'error' | 'skip'): FieldType {
  if (scan.others === 0) return 'numeric';
  if (scan.numbers === 0) return 'categorical';
  if (onInvalid === 'skip') return scan.numbers >= scan.others ? 'numeric' : 'categorical';
  throw new DataError(`field "${field}" mixes numbers (${scan.numbers} values) with non-numeric values (${scan.others}, e.g. ${scan.examples.join('; ')}); fix the data, or set type: numeric with onInvalid: skip to leave the non-numbers out (they are counted), or type: categorical to compare the values as categories`);
}

interface NumericField {
  values: Float64Array;
  missing: number;
  /** Present values that are not numbers, skipped under onInvalid: skip. */
  invalid: number;
  examples: string[];
}

/** The numbers of a field; non-numbers are a data error naming the count and examples, or skipped and counted. */
function numericValues(dataset: Dataset, field: string, test: FeatureTest, onInvalid: 'error' | 'skip'): NumericField {
  const n = dataset.records.length;
  if (n === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty`);
  const values = new Float64Array(n);
  let k = 0, missing = 0, invalid = 0;
  const examples: string[] = [];
  for (let i = 0; i < n; i++) {
    const raw = getField(dataset.records[i]!, field);
    if (raw === undefined || raw === null || raw === '') { missing++; continue; }
    if (isNumberLike(raw)) { values[k++] = Number(raw); continue; }
    invalid++;
    if (examples.length < MAX_EXAMPLES) examples.push(`record ${i + 1}: field "${field}" is ${describeValue(raw, 40)}`);
  }
  if (invalid > 0 && onInvalid === 'error') {
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): ${invalid} of ${n - missing} values of "${field}" are not numbers (${examples.join('; ')}); feature-drift test "${test}" needs numbers: fix the data, set onInvalid: skip to leave them out (counted), or set type: categorical with test chi2, tvd, psi or jensenshannon`);
  }
  if (k === 0) {
    if (invalid > 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): none of the ${invalid} values of "${field}" is a number (${examples.join('; ')}); set type: categorical to compare them as categories`);
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${field}" is missing in every one of its ${n} records; check the field name (dotted paths like attributes.x are supported)`);
  }
  return { values: values.subarray(0, k), missing, invalid, examples };
}

/**
 * Mean, population sd, range and quantiles of sorted values. `moments` (from sampleMoments, two
 * reads) gives the mean and the sd: the same sums in the same order as summing here and calling
 * stdPopulation, so the same values, without three more reads of the column.
 */
function numericSummary(sorted: Float64Array, moments: SampleMoments) {
  const quantiles: Record<string, number> = {};
  for (const p of QUANTILE_PS) quantiles[`p${String(Math.round(p * 100)).padStart(2, '0')}`] = quantileSorted(sorted, p);
  return { mean: moments.mean, std: Math.sqrt(moments.ss / sorted.length), min: sorted[0]!, max: sorted[sorted.length - 1]!, quantiles };
}

const THRESHOLD_HINT = 'threshold means the significance level alpha for ks, chi2 and cvm but a distance for the others, and the default test switches from ks/chi2 to wasserstein/jensenshannon above 1,000 reference values; set test: explicitly, or use alpha: (for p-value tests) and maxDistance: (for distances) instead';

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
        description: 'Test or distance. Default by type and reference size: numeric n ≤ 1000 → ks, larger → wasserstein (normalised); categorical n ≤ 1000 → chi2, larger → jensenshannon. Minimum values per side: ks, cvm, chi2 5; the distances 10 (below it the detector warns "not tested", naming the counts).',
      },
      alpha: {
        type: 'number',
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description: 'Significance level of the p-value tests (ks, chi2, cvm): fail when p < alpha. Default 0.05. Used whichever of them runs, so it keeps its meaning when the default test changes with the reference size.',
      },
      maxDistance: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'For the distances (wasserstein normalised by the reference sd, energy, psi, jensenshannon, tvd): fail when the distance exceeds it. Default per test: wasserstein 0.1, energy 0.1, jensenshannon 0.1, psi 0.2, tvd 0.1.',
      },
      threshold: {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'Older form, only with an explicit `test`: alpha for ks, chi2, cvm (then in (0, 1)), the distance limit for the others. Without `test` it is refused, since the default test (and so its meaning) changes with the reference size: use alpha and maxDistance.',
      },
      onInvalid: {
        type: 'string',
        enum: ['error', 'skip'],
        default: 'error',
        description: 'Values that are not numbers in a numeric field (e.g. "652.3ms"): error (default) names the count and example records; skip leaves them out and counts them in the message and details.',
      },
      type: { type: 'string', enum: ['auto', 'numeric', 'categorical'], default: 'auto', description: 'Field type; auto: numeric when every present value is a number (or numeric string), categorical when none is; a mix is a data error (or, with onInvalid: skip, the majority decides).' },
      bins: { type: 'integer', minimum: 2, maximum: 1000, default: 10, description: 'Reference-quantile bins for psi and jensenshannon on numbers.' },
      minEffect: {
        type: 'number',
        minimum: 0,
        description: 'For p-value tests: fail only when the effect size (wasserstein normalised for numbers, total variation for categories) is at least this; a significant smaller effect warns.',
      },
    },
    required: ['field'],
    additionalProperties: false,
    dependencies: { threshold: ['test'] },
    'x-hints': { dependencies: THRESHOLD_HINT },
    allOf: [{
      if: { properties: { test: { enum: ['ks', 'chi2', 'cvm'] } }, required: ['test'] },
      then: { properties: { threshold: { exclusiveMaximum: 1, 'x-hints': { exclusiveMaximum: 'for ks, chi2 and cvm the threshold is the significance level alpha, which lies in (0, 1)' } } } },
    }],
  },
  check: (options) => {
    const test = options.test as FeatureTest | undefined;
    if (test && options.type === 'numeric' && CATEGORICAL_ONLY.has(test)) return `/test "${test}" compares categories but type is numeric; use ks, cvm, wasserstein, energy, psi or jensenshannon`;
    if (test && options.type === 'categorical' && NUMERIC_ONLY.has(test)) return `/test "${test}" needs numbers but type is categorical; use chi2, tvd, psi or jensenshannon`;
    return undefined;
  },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.field].filter((f): f is string => typeof f === 'string'),
  create: (options, ctx: ComponentContext) => {
    const { field, bins } = options;
    const requestedTest = options.test as FeatureTest | undefined;
    const requestedType = options.type ?? 'auto';
    const onInvalid = options.onInvalid ?? 'error';
    const settings: Settings = {
      field, bins, onInvalid, requested: requestedTest, minEffect: options.minEffect ?? null,
      alpha: options.alpha, maxDistance: options.maxDistance, threshold: options.threshold,
    };
    if (requestedTest && requestedType === 'numeric' && CATEGORICAL_ONLY.has(requestedTest)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${ctx.id}": test "${requestedTest}" compares categories but type is numeric; use ks, cvm, wasserstein, energy, psi or jensenshannon`);
    }
    if (requestedTest && requestedType === 'categorical' && NUMERIC_ONLY.has(requestedTest)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${ctx.id}": test "${requestedTest}" needs numbers but type is categorical; use chi2, tvd, psi or jensenshannon`);
    }
    if (options.threshold !== undefined && requestedTest === undefined) {
      // The schema refuses this too (exit 2); kept for callers that skip validation.
      throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${ctx.id}": ${THRESHOLD_HINT}`);
    }
    const fixedType: 'auto' | FieldType = requestedType !== 'auto' ? requestedType
      : requestedTest && NUMERIC_ONLY.has(requestedTest) ? 'numeric'
        : requestedTest && CATEGORICAL_ONLY.has(requestedTest) ? 'categorical' : 'auto';
    // Streamed: the reference's and the window's columns, never the records (see FeatureDriftState).
    const state = new FeatureDriftState(settings, fixedType, ctx.shared);
    return {
      update(batch: RecordBatch) {
        state.update(batch);
      },
      snapshot: () => state.snapshot(),
      restore: (snapshot: unknown) => state.restore(snapshot),
      /** A window of streamed batches (`{ window }`), or two whole datasets (the batch path). */
      evaluate(input: WindowInput | DetectorInput, runCtx: ComponentContext): DetectorResult {
        if (!('current' in input)) return state.evaluate(runCtx.id);
        const { reference, current } = input;
        if (!reference) {
          throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${runCtx.id}" needs a reference dataset, but the run has none: add data.reference to the config (or name one with reference: on the detector)`);
        }
        let type: FieldType;
        if (requestedType !== 'auto') type = requestedType;
        else if (requestedTest && NUMERIC_ONLY.has(requestedTest)) type = 'numeric';
        else if (requestedTest && CATEGORICAL_ONLY.has(requestedTest)) type = 'categorical';
        else type = detectType([reference, current], field, onInvalid);
        return type === 'numeric' ? evaluateNumeric(reference, current, settings) : evaluateCategorical(reference, current, settings);
      },
    };
  },
});

interface Settings {
  field: string;
  bins: number;
  onInvalid: 'error' | 'skip';
  requested: FeatureTest | undefined;
  minEffect: number | null;
  alpha: number | undefined;
  maxDistance: number | undefined;
  threshold: number | undefined;
}

/** alpha for the p-value tests, the distance limit for the others. */
function thresholdFor(test: FeatureTest, s: Settings): number {
  if (FEATURE_DRIFT_P_VALUE_TESTS.has(test)) return s.alpha ?? s.threshold ?? FEATURE_DRIFT_DEFAULT_THRESHOLDS[test];
  return s.maxDistance ?? s.threshold ?? FEATURE_DRIFT_DEFAULT_THRESHOLDS[test];
}

function decide(
  test: FeatureTest, statistic: number, pValue: number | null, threshold: number,
  effectSize: number, minEffect: number | null,
): Pick<DetectorResult, 'status' | 'threshold' | 'test'> & { verdict: string } {
  if (pValue !== null) {
    const significant = pValue < threshold;
    const bigEnough = minEffect === null || effectSize >= minEffect;
    const status = significant ? (bigEnough ? 'fail' : 'warn') : 'pass';
    const verdict = significant && !bigEnough ? ` (significant, but effect ${fmt(effectSize)} < minEffect ${fmt(minEffect!)})` : '';
    return { status, threshold, test: { alpha: threshold, effectSize, minEffect }, verdict };
  }
  const fail = statistic > threshold;
  return { status: fail ? 'fail' : 'pass', threshold, verdict: ` ${fail ? '>' : '≤'} ${fmt(threshold)}` };
}

/** Too few values for the test: a warning naming the counts, never a silent pass. */
function tooFew(test: FeatureTest, field: string, n1: number, n2: number, threshold: number, details: Record<string, unknown>): DetectorResult | undefined {
  const min = FEATURE_DRIFT_MIN_SAMPLE[test];
  if (n1 >= min && n2 >= min) return undefined;
  return {
    status: 'warn',
    statistic: null,
    pValue: null,
    threshold,
    message: `${field}: not tested: ${test} needs at least ${min} values per side, got ${n1} in reference and ${n2} in current`,
    details: { ...details, test, field, nReference: n1, nCurrent: n2, minSample: min },
  };
}

function skippedNote(ref: NumericField, cur: NumericField): string {
  const total = ref.invalid + cur.invalid;
  if (total === 0) return '';
  return `; skipped ${total} non-numeric value${total === 1 ? '' : 's'} (reference ${ref.invalid}, current ${cur.invalid}, e.g. ${[...ref.examples, ...cur.examples][0]})`;
}

function evaluateNumeric(reference: Dataset, current: Dataset, s: Settings): DetectorResult {
  const provisional = s.requested ?? 'ks';
  const ref = numericValues(reference, s.field, provisional, s.onInvalid);
  const cur = numericValues(current, s.field, provisional, s.onInvalid);
  return evaluateNumericValues(ref, cur, s,
    () => sideStats(sortedFinite(ref.values, `dataset "${reference.name}" field ${s.field}`)),
    () => sideStats(sortedFinite(cur.values, `dataset "${current.name}" field ${s.field}`)));
}

/**
 * What the comparisons need of one side's numbers: computed once per column in a streamed session
 * (the reference once for every window; a window's column once for every detector sharing it).
 */
interface SideStats {
  sorted: Float64Array;
  /** Population standard deviation (the summary's). */
  std: number;
  summary: ReturnType<typeof numericSummary>;
  moments: SampleMoments;
  /**
   * What the comparison with a reference's stats found (a window's column, shared by the
   * detectors of the field): Wasserstein-1, and for ks and cvm the one merge walk that gives KS D,
   * Wasserstein-1 and the CvM rank sums together.
   */
  pair?: { against: SideStats; w1: number; merged?: SortedPairStatistics };
}

function sideStats(sorted: Float64Array): SideStats {
  const moments = sampleMoments(sorted);
  const summary = numericSummary(sorted, moments);
  return { sorted, std: summary.std, summary, moments };
}

/**
 * The numeric comparison from the two sides' values (what the batch and the streamed path share).
 * `refStats` / `curStats`: each side's sorted values and statistics (a streamed column computes
 * them once and keeps them: the reference for every window, a window's column for every detector
 * of the field), asked for only when the test runs.
 */
function evaluateNumericValues(ref: NumericField, cur: NumericField, s: Settings, refStatsOf: () => SideStats, curStatsOf: () => SideStats): DetectorResult {
  const { field, requested, bins, minEffect } = s;
  const n1 = ref.values.length;
  const n2 = cur.values.length;
  const test: FeatureTest = requested ?? (n1 <= FEATURE_DRIFT_SMALL_SAMPLE ? 'ks' : 'wasserstein');
  const threshold = thresholdFor(test, s);
  const counts = { missingReference: ref.missing, missingCurrent: cur.missing, invalidReference: ref.invalid, invalidCurrent: cur.invalid, type: 'numeric' };
  const few = tooFew(test, field, n1, n2, threshold, counts);
  if (few) return few;
  const refStats = refStatsOf();
  const refSorted = refStats.sorted;
  const curStats = curStatsOf();
  const curSorted = curStats.sorted;
  const refStd = refStats.std;
  // A constant reference has no spread to scale by: use the pooled spread (then 1), never 0.001.
  let scale = refStd;
  if (!(scale > 0)) {
    const pooled = stdPopulation(Float64Array.from([...refSorted, ...curSorted]));
    scale = pooled > 0 ? pooled : 1;
  }
  // One merge walk for KS D, W1 and the CvM sums when a rank test runs (their effect size is W1);
  // the distance tests walk for W1 alone. Kept on the window's column for the field's other detectors.
  const merges = test === 'ks' || test === 'cvm';
  let pair = curStats.pair?.against === refStats ? curStats.pair : undefined;
  if (!pair || (merges && !pair.merged)) {
    if (merges) {
      const merged = sortedPairStatistics(refSorted, curSorted);
      pair = { against: refStats, w1: merged.wasserstein1, merged };
    } else pair = { against: refStats, w1: wasserstein1Sorted(refSorted, curSorted) };
    curStats.pair = pair;
  }
  const effectSize = pair.w1 / scale;
  let statistic: number;
  let pValue: number | null = null;
  const extra: Record<string, unknown> = {};
  if (!(refStd > 0)) extra.scale = { reference: refStd, used: scale, note: 'the reference is constant: distances are scaled by the pooled standard deviation' };
  switch (test) {
    case 'ks': {
      const r = ks2SampFromStatistic(pair.merged!.ks, n1, n2);
      statistic = r.statistic;
      pValue = r.pValue;
      extra.method = r.method;
      break;
    }
    case 'cvm': {
      const { x, y } = pair.merged!.rankDeviations;
      const r = cramerVonMises2SampFromRanks(x, y, n1, n2);
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
      const e = energyDistanceSorted(refSorted, curSorted);
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
  const decision = decide(test, statistic, pValue, threshold, effectSize, minEffect);
  const refSummary = refStats.summary, curSummary = curStats.summary;
  const unit = unitOf(field);
  const moved = `median ${change(refSummary.quantiles.p50!, curSummary.quantiles.p50!, unit)}, p95 ${change(refSummary.quantiles.p95!, curSummary.quantiles.p95!, unit)}`;
  return toResult(test, field, moved + skippedNote(ref, cur), statistic, pValue, decision, [n1, n2], {
    test, field,
    nReference: n1, nCurrent: n2, ...counts,
    effectSize, effectSizeName: 'wasserstein_normalized', cohensD: cohensD(refSorted, curSorted, refStats.moments, curStats.moments),
    reference: { ...refSummary, quantiles: { ...refSummary.quantiles } }, current: { ...curSummary, quantiles: { ...curSummary.quantiles } },
    ...extra,
  });
}

/** The result both field types share: status from the decision, a one-line message, the details. */
function toResult(
  test: FeatureTest, field: string, moved: string, statistic: number, pValue: number | null,
  decision: ReturnType<typeof decide>, [n1, n2]: [number, number], details: Record<string, unknown>,
): DetectorResult {
  const verdict = pValue === null ? decision.verdict : `, ${fmtP(pValue)}${decision.verdict}`;
  return {
    status: decision.status,
    statistic,
    pValue,
    threshold: decision.threshold,
    message: `${field}: ${moved}; ${STATISTIC_LABEL[test]}=${fmt(statistic)}${verdict} (n=${n1} vs ${n2})`,
    details,
    ...(decision.test ? { test: decision.test } : {}),
  };
}

function evaluateCategorical(reference: Dataset, current: Dataset, s: Settings): DetectorResult {
  const ref = categoricalColumn(reference, s.field);
  const cur = categoricalColumn(current, s.field);
  return evaluateCategoryCounts(() => alignCategoryCounts(ref.values, cur.values), ref.values.length, cur.values.length, ref.missing, cur.missing, s);
}

/** The categorical comparison from the two sides' counts (what the batch and the streamed path share). */
function evaluateCategoryCounts(align: () => AlignedCounts, n1: number, n2: number, missingReference: number, missingCurrent: number, s: Settings): DetectorResult {
  const { field, requested, minEffect } = s;
  const test: FeatureTest = requested ?? (n1 <= FEATURE_DRIFT_SMALL_SAMPLE ? 'chi2' : 'jensenshannon');
  const threshold = thresholdFor(test, s);
  const few = tooFew(test, field, n1, n2, threshold, { type: 'categorical', missingReference, missingCurrent });
  if (few) return few;
  const aligned = align();
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
  const decision = decide(test, statistic, pValue, threshold, effectSize, minEffect);
  // Shares of the most frequent categories (by reference + current count), so details stay small.
  const order = aligned.categories.map((_, i) => i).sort((a, b) => aligned.reference[b]! + aligned.current[b]! - (aligned.reference[a]! + aligned.current[a]!));
  const listed = order.slice(0, MAX_LISTED_CATEGORIES);
  const shares = (counts: Float64Array, n: number) => Object.fromEntries(listed.map((i) => [aligned.categories[i]!, counts[i]! / n]));
  return toResult(test, field, categoryChanges(aligned, n1, n2), statistic, pValue, decision, [n1, n2], {
    test, type: 'categorical', field,
    nReference: n1, nCurrent: n2, missingReference, missingCurrent,
    effectSize, effectSizeName: 'tvd', cramersV: cramersV(aligned.reference, aligned.current),
    categories: aligned.categories.length,
    unseenInReference: aligned.unseenInReference.slice(0, MAX_LISTED_CATEGORIES),
    reference: { shares: shares(aligned.reference, n1) },
    current: { shares: shares(aligned.current, n2) },
    ...extra,
  });
}

/**
 * The categories that moved, in the user's terms: those that appeared first, then the largest
 * growth, then the largest fall (three at most): `"Religion" new, 0 → 18 %; "Age" 31 → 17 %`.
 */
function categoryChanges(aligned: { categories: string[]; reference: Float64Array; current: Float64Array }, n1: number, n2: number): string {
  const rows = aligned.categories.map((c, i) => ({ c, a: aligned.reference[i]! / n1, b: aligned.current[i]! / n2 }));
  const appeared = rows.filter((r) => r.a === 0 && r.b > 0).sort((x, y) => y.b - x.b);
  const grew = rows.filter((r) => r.a > 0 && r.b > r.a).sort((x, y) => y.b - y.a - (x.b - x.a));
  const fell = rows.filter((r) => r.b < r.a).sort((x, y) => x.b - x.a - (y.b - y.a));
  const picked = [...appeared.slice(0, 2), ...grew.slice(0, 1), ...fell.slice(0, 1)].slice(0, 3);
  if (picked.length === 0 || rows.every((r) => Math.abs(r.b - r.a) < 1e-12)) return 'category shares unchanged';
  const quote = (c: string) => JSON.stringify(c.length > 30 ? `${c.slice(0, 29)}…` : c);
  const parts = picked.map((r) => `${quote(r.c)} ${r.a === 0 ? 'new, ' : ''}${pct(r.a)} → ${pct(r.b)}`);
  const more = appeared.length > 2 ? ` (+${appeared.length - 2} more new)` : '';
  return `${parts.join(', ')}${more}`;
}

// ---------------------------------------------------------------------------------------------
// Streamed (stateful) evaluation
// ---------------------------------------------------------------------------------------------

/**
 * Most distinct values a column keeps counts of in `type: auto` while its type is still open: a
 * numeric field with millions of distinct values must not become a map of millions of categories.
 * Past it the counts are dropped; only a field that then turns out categorical (mixed with
 * `onInvalid: skip`, text in the majority) cannot be compared and says so.
 */
export const FEATURE_DRIFT_STREAM_CATEGORY_CAP = 100_000;

/** How a column keeps the field's values. */
interface ColumnPlan {
  numbers: boolean;
  categories: boolean;
  /** Cap on distinct categories (auto type only). */
  cap: number;
}

/**
 * One side's values of the field, kept as they stream past: the numbers as a growing
 * Float64Array, the categories as counts in first-seen order, and the counts and examples every
 * message of the batch path needs. Never the records.
 */
class FieldColumn {
  name = '';
  /** The dataset's origin when core passes it with the batch. */
  origin = '';
  records = 0;
  /** Absent, null or '' (numeric view). */
  missingNumeric = 0;
  /** Absent or null (categorical view: '' is a category). */
  missingCategorical = 0;
  /** Present values that are numbers or numeric strings, and the others. */
  numberLike = 0;
  others = 0;
  values = new Float64Array(1024);
  /** `dataset "x" record 12: "652.3ms"` (type detection's examples). */
  scanExamples: string[] = [];
  /** `record 12: field "f" is "652.3ms"` (numeric view's examples). */
  invalidExamples: string[] = [];
  /** Category → its slot in `tally`, in first-seen order; null past the cap. */
  index: Map<string, number> | null;
  /** Count of each category, by slot (one Map lookup per value, no Map write). */
  tally: number[] = [];
  overflow = false;
  /** First record (1-based) whose value is an object or array, 0 when none. */
  objectRecord = 0;
  /** The numbers sorted and summarised, kept while the column does not change. */
  stats: SideStats | undefined;
  /** The last batch taken (RecordBatch.seq): a column shared by several detectors takes each batch once. */
  lastSeq = 0;

  constructor(private readonly field: string, private readonly plan: ColumnPlan) {
    this.index = plan.categories ? new Map() : null;
  }

  /** Count per category in first-seen order, or null past the cap. */
  get counts(): Map<string, number> | null {
    if (this.index === null) return null;
    const out = new Map<string, number>();
    for (const [key, slot] of this.index) out.set(key, this.tally[slot]!);
    return out;
  }

  add(records: readonly Record<string, unknown>[], name: string, origin: string, seq?: number): void {
    if (seq !== undefined) {
      if (seq === this.lastSeq) return;
      this.lastSeq = seq;
    }
    this.name = name;
    this.origin = origin;
    this.stats = undefined;
    if (!this.plan.numbers && this.index !== null) {
      this.addCategoriesOnly(records);
      return;
    }
    if (!this.plan.categories) {
      this.addNumbersOnly(records);
      return;
    }
    for (const record of records) this.addValue(getField(record, this.field), this.records++);
  }

  /**
   * {@link add} for a numeric-only column (`type: numeric`, or a test that needs numbers): the
   * same counts and messages, with the common case (a finite number, read as the record's own
   * property) in a tight loop over locals and everything else through {@link addValue}.
   */
  private addNumbersOnly(records: readonly Record<string, unknown>[]): void {
    const field = this.field;
    const n = records.length;
    let k = this.numberLike;
    if (k + n > this.values.length) this.grow(k + n);
    let values = this.values;
    let i = this.records;
    for (let r = 0; r < n; r++, i++) {
      const record = records[r]!;
      // getField's own-property case first: a plain record's value, without the `in` test.
      let raw = record[field];
      if (raw === undefined) raw = getField(record, field);
      if (typeof raw === 'number' && raw - raw === 0) {
        values[k++] = raw;
        continue;
      }
      this.numberLike = k;
      this.addValue(raw, i);
      k = this.numberLike;
      values = this.values;
    }
    this.numberLike = k;
    this.records = i;
  }

  /** One record's value of the field (record `i`, 0-based): counted, kept as a number and/or a category. */
  private addValue(raw: unknown, i: number): void {
    if (raw === undefined || raw === null) {
      this.missingNumeric++;
      this.missingCategorical++;
      return;
    }
    if (this.plan.categories) this.addCategory(raw, i);
    // Categories only (type: categorical): the numeric view and type detection are never asked for.
    if (!this.plan.numbers) return;
    if (typeof raw === 'number' && raw - raw === 0) {
      this.numberLike++;
      this.push(raw);
      return;
    }
    if (raw === '') {
      this.missingNumeric++;
      return;
    }
    if (isNumberLike(raw)) {
      this.numberLike++;
      this.push(Number(raw));
      return;
    }
    this.others++;
    if (this.scanExamples.length < MAX_EXAMPLES) this.scanExamples.push(`dataset "${this.name}" record ${i + 1}: ${describeValue(raw, 40)}`);
    if (this.invalidExamples.length < MAX_EXAMPLES) this.invalidExamples.push(`record ${i + 1}: field "${this.field}" is ${describeValue(raw, 40)}`);
  }

  /** `dataset "x" (origin)`, as the batch path names a dataset. */
  get label(): string {
    return this.origin ? `dataset "${this.name}" (${this.origin})` : `dataset "${this.name}"`;
  }

  /**
   * {@link add} for a categorical-only column (`type: categorical`) while its counts are kept: the
   * same counts and first-seen order, in one tight loop (the record's own property first, as
   * getField does).
   */
  private addCategoriesOnly(records: readonly Record<string, unknown>[]): void {
    const field = this.field;
    const tally = this.tally;
    let index = this.index!;
    let i = this.records;
    let missing = 0;
    for (let r = 0; r < records.length; r++, i++) {
      const record = records[r]!;
      const raw = field in record ? record[field] : getField(record, field);
      if (raw === undefined || raw === null) {
        missing++;
        continue;
      }
      if (typeof raw === 'string') {
        const slot = index.get(raw);
        if (slot !== undefined) {
          tally[slot]!++;
          continue;
        }
      }
      // New categories, non-strings, objects and the cap: the general path.
      this.records = i;
      this.addCategory(raw, i);
      if (this.index === null) {
        // Past the cap: the rest only counts records and missing values.
        for (r++, i++; r < records.length; r++, i++) {
          const rest = records[r]!;
          const v = field in rest ? rest[field] : getField(rest, field);
          if (v === undefined || v === null) missing++;
          else if (typeof v === 'object' && this.objectRecord === 0) this.objectRecord = i + 1;
        }
        break;
      }
      index = this.index;
    }
    this.records = i;
    this.missingNumeric += missing;
    this.missingCategorical += missing;
  }

  private addCategory(raw: unknown, i: number): void {
    if (typeof raw === 'object') {
      if (this.objectRecord === 0) this.objectRecord = i + 1;
      return;
    }
    const index = this.index;
    if (index === null) return;
    const key = typeof raw === 'string' ? raw : String(raw);
    const slot = index.get(key);
    if (slot !== undefined) this.tally[slot]!++;
    else if (index.size < this.plan.cap) {
      index.set(key, this.tally.length);
      this.tally.push(1);
    } else {
      this.index = null;
      this.tally = [];
      this.overflow = true;
    }
  }

  private push(v: number): void {
    const n = this.numberLike - 1;
    if (n >= this.values.length) this.grow(n + 1);
    this.values[n] = v;
  }

  /** Room for at least `size` numbers (doubling, so a column read batch by batch copies O(n) in all). */
  private grow(size: number): void {
    const grown = new Float64Array(Math.max(size, this.values.length * 2));
    grown.set(this.values.subarray(0, this.numberLike));
    this.values = grown;
  }

  get present(): number {
    return this.numberLike + this.others;
  }

  /** The numeric view, as {@link numericValues} gives it for a dataset (same checks, same messages). */
  numeric(test: FeatureTest, onInvalid: 'error' | 'skip'): NumericField {
    const where = this.label;
    const n = this.records;
    if (n === 0) throw new DataError(`${where} is empty`);
    const invalid = this.others;
    if (invalid > 0 && onInvalid === 'error') {
      throw new DataError(`${where}: ${invalid} of ${n - this.missingNumeric} values of "${this.field}" are not numbers (${this.invalidExamples.join('; ')}); feature-drift test "${test}" needs numbers: fix the data, set onInvalid: skip to leave them out (counted), or set type: categorical with test chi2, tvd, psi or jensenshannon`);
    }
    if (this.numberLike === 0) {
      if (invalid > 0) throw new DataError(`${where}: none of the ${invalid} values of "${this.field}" is a number (${this.invalidExamples.join('; ')}); set type: categorical to compare them as categories`);
      throw new DataError(`${where}: field "${this.field}" is missing in every one of its ${n} records; check the field name (dotted paths like attributes.x are supported)`);
    }
    return { values: this.values.subarray(0, this.numberLike), missing: this.missingNumeric, invalid, examples: this.invalidExamples };
  }

  /** The categorical view's checks, as {@link categoricalColumn} makes them. */
  checkCategorical(): void {
    const where = this.label;
    if (this.objectRecord > 0) throw new DataError(`${where}, record ${this.objectRecord}: field "${this.field}" is an object or array, not a category`);
    if (this.records === 0) throw new DataError(`${where} is empty`);
    if (this.records === this.missingCategorical) throw new DataError(`${where}: field "${this.field}" is missing in every one of its ${this.records} records; check the field name`);
    if (this.index === null) {
      throw new DataError(`${where}: field "${this.field}" has more than ${FEATURE_DRIFT_STREAM_CATEGORY_CAP} distinct values and mixes numbers with text, so it cannot be compared as categories while streaming; set type: numeric (with onInvalid: skip) or type: categorical explicitly`);
    }
  }

  /** Categorical values kept (present, not objects). */
  get categorical(): number {
    return this.records - this.missingCategorical;
  }

  reset(): void {
    Object.assign(this, new FieldColumn(this.field, this.plan));
  }

  snapshot(): Record<string, unknown> {
    return {
      name: this.name, origin: this.origin, records: this.records, missingNumeric: this.missingNumeric, missingCategorical: this.missingCategorical,
      numberLike: this.numberLike, others: this.others,
      values: Buffer.from(this.values.buffer, this.values.byteOffset, this.numberLike * 8).toString('base64'),
      scanExamples: this.scanExamples, invalidExamples: this.invalidExamples,
      counts: this.counts ? [...this.counts] : null, overflow: this.overflow, objectRecord: this.objectRecord,
    };
  }

  restore(state: Record<string, unknown>): void {
    const bytes = Buffer.from(String(state.values), 'base64');
    const values = new Float64Array(Math.max(1024, bytes.length / 8));
    new Uint8Array(values.buffer).set(bytes);
    Object.assign(this, {
      name: state.name, origin: state.origin ?? '', records: state.records, missingNumeric: state.missingNumeric, missingCategorical: state.missingCategorical,
      numberLike: state.numberLike, others: state.others, values,
      scanExamples: [...(state.scanExamples as string[])], invalidExamples: [...(state.invalidExamples as string[])],
      index: state.counts ? new Map((state.counts as [string, number][]).map(([key], slot) => [key, slot])) : null,
      tally: state.counts ? (state.counts as [string, number][]).map(([, count]) => count) : [],
      overflow: state.overflow, objectRecord: state.objectRecord,
      stats: undefined, lastSeq: 0,
    });
  }
}

/** The dataset's origin, when core passes one with the batch (not part of the API 2 contract yet). */
const originOf = (batch: RecordBatch): string => {
  const origin = (batch as { origin?: unknown }).origin;
  return typeof origin === 'string' ? origin : '';
};

/** Aligned counts from two first-seen-ordered count maps: what {@link alignCategoryCounts} gives for the values. */
function alignCounts(reference: Map<string, number>, current: Map<string, number>): AlignedCounts {
  const categories = [...reference.keys()];
  const unseenInReference: string[] = [];
  for (const c of current.keys()) {
    if (!reference.has(c)) {
      categories.push(c);
      unseenInReference.push(c);
    }
  }
  return {
    categories,
    reference: Float64Array.from(categories, (c) => reference.get(c) ?? 0),
    current: Float64Array.from(categories, (c) => current.get(c) ?? 0),
    unseenInReference,
  };
}

/**
 * The stateful side of feature-drift: the reference's column (kept for the session, sorted once)
 * and the open window's column, fed batch by batch; `evaluate` compares them exactly as the batch
 * path compares two datasets, then drops the window's column.
 */
export class FeatureDriftState {
  readonly #plan: ColumnPlan;
  /** The session's shared state: columns shared with the other feature-drift detectors of the field. */
  readonly #shared: SharedGetter | undefined;
  /** Own columns, when there is no shared state (outside a session). */
  readonly #own: Record<RecordBatch['role'], FieldColumn>;
  /** The dataset last fed in each role (names the shared column). */
  readonly #datasets: Record<RecordBatch['role'], string> = { reference: '', current: '' };
  #referenceSeen = false;

  constructor(private readonly s: Settings, private readonly type: 'auto' | FieldType, shared?: SharedGetter) {
    const numericOnly = type === 'numeric';
    const categoricalOnly = type === 'categorical';
    this.#plan = { numbers: !categoricalOnly, categories: !numericOnly, cap: type === 'auto' ? FEATURE_DRIFT_STREAM_CATEGORY_CAP : Infinity };
    this.#shared = shared;
    this.#own = { reference: new FieldColumn(s.field, this.#plan), current: new FieldColumn(s.field, this.#plan) };
  }

  /**
   * The column of `role`: with shared state, the one every feature-drift detector of this field,
   * dataset and column plan uses (read and sorted once), kept for the session (reference) or
   * dropped by core when the window's results are in (current).
   */
  #column(role: RecordBatch['role']): FieldColumn {
    if (!this.#shared) return this.#own[role];
    const p = this.#plan;
    const key = `feature-drift\u0000${role}\u0000${this.#datasets[role]}\u0000${this.s.field}\u0000${p.numbers ? 'n' : ''}${p.categories ? 'c' : ''}${p.cap}`;
    return this.#shared(key, role === 'reference' ? 'session' : 'window', () => new FieldColumn(this.s.field, p));
  }

  get #reference(): FieldColumn {
    return this.#column('reference');
  }

  get #current(): FieldColumn {
    return this.#column('current');
  }

  update(batch: RecordBatch): void {
    this.#datasets[batch.role] = batch.dataset;
    if (batch.role === 'reference') this.#referenceSeen = true;
    this.#column(batch.role).add(batch.records, batch.dataset, originOf(batch), this.#shared ? batch.seq : undefined);
  }

  evaluate(id: string): DetectorResult {
    try {
      if (!this.#referenceSeen) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `feature-drift "${id}" needs a reference dataset, but the run has none: add data.reference to the config (or name one with reference: on the detector)`);
      }
      const ref = this.#reference, cur = this.#current, s = this.s;
      let type: FieldType;
      if (this.type !== 'auto') type = this.type;
      else {
        for (const c of [ref, cur]) if (c.records === 0) throw new DataError(`${c.name ? c.label : `dataset "${c === ref ? 'reference' : 'current'}"`} is empty`);
        if (ref.present + cur.present === 0) {
          throw new DataError(`field "${s.field}" is missing in every record of ${ref.label} and ${cur.label}; check the field name (dotted paths like attributes.x are supported)`);
        }
        type = typeFromScan({ numbers: ref.numberLike + cur.numberLike, others: ref.others + cur.others, present: ref.present + cur.present, examples: [...ref.scanExamples, ...cur.scanExamples].slice(0, MAX_EXAMPLES) }, s.field, s.onInvalid);
      }
      if (type === 'numeric') {
        const provisional = s.requested ?? 'ks';
        const refField = ref.numeric(provisional, s.onInvalid);
        const curField = cur.numeric(provisional, s.onInvalid);
        return evaluateNumericValues(refField, curField, s,
          () => (ref.stats ??= sideStats(sortedFinite(refField.values, `dataset "${ref.name}" field ${s.field}`))),
          () => (cur.stats ??= sideStats(sortedFinite(curField.values, `dataset "${cur.name}" field ${s.field}`))));
      }
      ref.checkCategorical();
      cur.checkCategorical();
      return evaluateCategoryCounts(() => alignCounts(ref.counts!, cur.counts!), ref.categorical, cur.categorical, ref.missingCategorical, cur.missingCategorical, s);
    } finally {
      // A shared window column is dropped by core once every detector has evaluated the window.
      if (!this.#shared) this.#current.reset();
    }
  }

  snapshot(): unknown {
    return { version: 1, referenceSeen: this.#referenceSeen, reference: this.#reference.snapshot(), current: this.#current.snapshot() };
  }

  restore(state: unknown): void {
    const st = state as { version?: number; referenceSeen: boolean; reference: Record<string, unknown>; current: Record<string, unknown> };
    if (st?.version !== 1) throw new DataError('feature-drift: cannot restore this snapshot (not one taken by this version of feature-drift)');
    this.#referenceSeen = st.referenceSeen;
    this.#datasets.reference = String(st.reference.name ?? '');
    this.#datasets.current = String(st.current.name ?? '');
    this.#reference.restore(st.reference);
    this.#current.restore(st.current);
  }
}
