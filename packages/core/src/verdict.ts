/**
 * Where pass/warn/fail is decided, once for every component: a detector's undecided result
 * (statistic, p-value, effect size and the kind of decision) becomes a status here; the run-level
 * multiple-testing correction, `minEffect` and `severity` are applied here too.
 */
import type { DetectorOutcome, DetectorReport, DetectorResult, MetricValue, Status } from './contracts.js';
import { correctSegment, foldSegments } from './segments.js';
import { describeValue } from './errors.js';

const STATUSES: ReadonlySet<string> = new Set(['pass', 'warn', 'fail', 'error']);

/**
 * Check a detector's answer and decide it when the detector left the decision to core
 * (`decide: { kind: 'p-value' | 'threshold' }`). Throws on an invalid result.
 */
export function decideOutcome(outcome: DetectorOutcome): DetectorResult {
  if (!outcome || typeof outcome !== 'object') throw new Error('the detector returned no result object');
  if (outcome.status === undefined && 'decide' in outcome && outcome.decide) return decide(outcome as Extract<DetectorOutcome, { decide: unknown }>);
  return checkResult(outcome as DetectorResult);
}

function decide(outcome: Extract<DetectorOutcome, { decide: unknown }>): DetectorResult {
  const { decide: how, ...rest } = outcome;
  const base = checkResult({ ...rest, status: 'pass', threshold: null } as DetectorResult);
  if (how.kind === 'p-value') {
    if (!(how.alpha > 0 && how.alpha < 1)) throw new Error(`the detector asked for a p-value decision with alpha ${String(how.alpha)} (expected 0 < alpha < 1)`);
    const p = base.pValue;
    if (p === null) throw new Error('the detector asked for a p-value decision but returned no pValue');
    const effectOk = how.minEffect == null || how.effectSize == null || how.effectSize >= how.minEffect;
    const status: Status = p < how.alpha ? (effectOk ? 'fail' : 'warn') : 'pass';
    const note = p < how.alpha && !effectOk ? ` (significant, but the effect ${fmt(how.effectSize!)} is below minEffect ${how.minEffect} → warn)` : '';
    return {
      ...base, status, threshold: how.alpha, message: `${base.message}${note}`,
      test: { alpha: how.alpha, effectSize: how.effectSize ?? null, minEffect: how.minEffect ?? null, pValueFloor: how.pValueFloor ?? null },
    };
  }
  if (how.kind === 'threshold') {
    const s = base.statistic;
    if (s === null) throw new Error('the detector asked for a threshold decision but returned no statistic');
    const below = how.direction === 'below';
    const beyond = (t: number) => (below ? s < t : s > t);
    const status: Status = beyond(how.threshold) ? 'fail' : how.warnThreshold !== undefined && beyond(how.warnThreshold) ? 'warn' : 'pass';
    return { ...base, status, threshold: how.threshold };
  }
  throw new Error(`the detector asked for an unknown decision kind ${describeValue((how as { kind: unknown }).kind)} (expected p-value or threshold)`);
}

function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

export function checkResult(result: DetectorResult): DetectorResult {
  const problems: string[] = [];
  if (!result || typeof result !== 'object') throw new Error('the detector returned no result object');
  if (!STATUSES.has(result.status)) problems.push(`status ${JSON.stringify(result.status)} (expected pass, warn, fail or error, or leave it out and return decide: { kind: 'p-value' | 'threshold', … })`);
  for (const key of ['statistic', 'pValue', 'threshold'] as const) {
    const v = result[key];
    if (v === undefined) (result as unknown as Record<string, unknown>)[key] = null;
    else if (v !== null && (typeof v !== 'number' || Number.isNaN(v))) problems.push(`${key} ${String(v)} (expected a number or null)`);
  }
  if (typeof result.message !== 'string') (result as { message: string }).message = '';
  if (problems.length) throw new Error(`the detector returned an invalid result: ${problems.join('; ')}`);
  return result;
}

export function checkMetricValues(values: MetricValue[]): MetricValue[] {
  if (!Array.isArray(values)) throw new Error('the metric returned no array of values');
  for (const v of values) {
    if (typeof v.name !== 'string' || typeof v.value !== 'number' || typeof v.unit !== 'string') {
      throw new Error(`the metric returned an invalid value ${describeValue(v, 200)} (expected { name, value: number, unit })`);
    }
  }
  return values;
}

/** Bonferroni-adjusted p-values (NaN stays NaN and is not counted). */
export function bonferroni(p: readonly number[]): number[] {
  const m = p.filter((x) => !Number.isNaN(x)).length;
  return p.map((x) => (Number.isNaN(x) ? NaN : Math.min(1, x * m)));
}

/** Benjamini–Hochberg step-up adjusted p-values, as statsmodels `multipletests(method='fdr_bh')`. */
export function benjaminiHochberg(p: readonly number[]): number[] {
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) if (!Number.isNaN(p[i]!)) idx.push(i);
  idx.sort((a, b) => p[a]! - p[b]!);
  const m = idx.length;
  const out = p.map(() => NaN);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = idx[r]!;
    const q = (p[i]! * m) / (r + 1);
    if (q < running) running = q;
    out[i] = running;
  }
  return out;
}

/** One test in the run's family: a detector's, or (with `by:`) one segment's of a detector. */
export type CorrectionItem = { index: number; test: NonNullable<DetectorResult['test']>; segment?: number };

/** Re-decide p-value detectors after Bonferroni or Benjamini–Hochberg across the run (or window). */
export function applyCorrection(kind: 'bonferroni' | 'bh', reports: DetectorReport[], tests: CorrectionItem[]): void {
  if (tests.length === 0) return;
  const raw = tests.map((t) => (t.segment === undefined ? reports[t.index]!.pValue! : (reports[t.index]!.details!.segments as Array<{ pValue: number }>)[t.segment]!.pValue));
  const adjusted = kind === 'bonferroni' ? bonferroni(raw) : benjaminiHochberg(raw);
  const label = kind === 'bh' ? 'Benjamini–Hochberg' : 'Bonferroni';
  tests.forEach(({ index, test, segment }, k) => {
    const r = reports[index]!;
    const p = adjusted[k]!;
    if (segment !== undefined) {
      const effectOk = test.minEffect == null || test.effectSize == null || test.effectSize >= test.minEffect;
      correctSegment(r, segment, p, p < test.alpha ? (effectOk ? 'fail' : 'warn') : 'pass', label);
      return;
    }
    r.pValueAdjusted = p;
    if (r.status === 'error') return;
    // Significant but smaller than the detector's effect-size floor: a warning, never a failure.
    const effectOk = test.minEffect == null || test.effectSize == null || test.effectSize >= test.minEffect;
    let status: Status = p < test.alpha ? (effectOk ? 'fail' : 'warn') : 'pass';
    // A p-value at its floor whose adjusted floor cannot reach alpha: the test could not decide.
    const floor = test.pValueFloor ?? null;
    const atFloor = floor !== null && r.pValue! <= floor * (1 + 1e-9);
    if (status === 'pass' && atFloor && floor * tests.length >= test.alpha) {
      status = 'warn';
      r.message = `${r.message} [${label}-adjusted p=${p.toPrecision(3)}: the test's smallest p-value ${floor.toPrecision(2)} cannot reach alpha ${test.alpha} over ${tests.length} tests → warn (cannot decide); give it more permutations]`;
    } else if (status !== r.status) {
      r.message = `${r.message} [${label}-adjusted p=${p.toPrecision(3)} → ${status}]`;
    }
    r.status = status;
  });
  for (const index of new Set(tests.filter((t) => t.segment !== undefined).map((t) => t.index))) foldSegments(reports[index]!);
}

/** `severity: warn` turns a failing check into a warning, so it is reported without gating CI. */
export function applySeverity(severity: 'fail' | 'warn', report: DetectorReport): void {
  if (severity === 'warn' && report.status === 'fail') {
    report.status = 'warn';
    report.message = `${report.message} (severity: warn)`;
  }
}

export function overallStatus(reports: readonly { status: Status }[], metricErrors: number): Status {
  if (metricErrors > 0 || reports.some((r) => r.status === 'error')) return 'error';
  if (reports.some((r) => r.status === 'fail')) return 'fail';
  if (reports.some((r) => r.status === 'warn')) return 'warn';
  return 'pass';
}
