/**
 * Per-segment runs (`by: <field>` on a detector or metric entry): the component runs once per
 * distinct value of the field, on the records of that value. Kept out of the engine, which only
 * calls {@link evaluateBySegment}, {@link computeBySegment} and, under a run-level correction,
 * {@link correctSegment} / {@link foldSegments}.
 */
import type {
  Dataset, DetectorInput, DetectorReport, DetectorResult, MetricValue, SegmentResult, Status, VigiaRecord,
} from './contracts.js';
import { DataError, errorMessage } from './errors.js';
import { getField } from './fields.js';

/** Segments with fewer records than this (in either dataset) are reported as too small. */
export const SEGMENT_DEFAULT_MIN_SIZE = 30;
/** More distinct values than this means `by:` names an id-like field, not a segment. */
export const SEGMENT_MAX_COUNT = 200;

export interface SegmentSpec {
  by: string;
  minSize: number;
}

/** A segment's hypothesis test, for the run-level multiple-testing correction. */
export interface SegmentTest {
  segment: number;
  test: NonNullable<DetectorResult['test']>;
}

const RANK: Record<Status, number> = { pass: 0, warn: 1, fail: 2, error: 3 };

/** Records grouped by the string value of a field; records without it are counted, not grouped. */
export function segmentRecords(dataset: Dataset, by: string): { groups: Map<string, VigiaRecord[]>; missing: number } {
  const groups = new Map<string, VigiaRecord[]>();
  let missing = 0;
  for (const record of dataset.records) {
    const raw = getField(record, by);
    if (raw === undefined || raw === null || raw === '' || typeof raw === 'object') {
      missing++;
      continue;
    }
    const key = String(raw);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(record);
  }
  return { groups, missing };
}

function subset(dataset: Dataset, by: string, value: string, records: VigiaRecord[] | undefined): Dataset {
  return { name: `${dataset.name}[${by}=${value}]`, records: records ?? [], skipped: 0, origin: `${dataset.origin}, ${by}=${value}` };
}

function segmentsOf(spec: SegmentSpec, datasets: readonly Dataset[]) {
  const split = datasets.map((d) => ({ dataset: d, ...segmentRecords(d, spec.by) }));
  const names = new Set<string>();
  for (const s of split) for (const k of s.groups.keys()) names.add(k);
  if (names.size === 0) {
    throw new DataError(`by: "${spec.by}" is missing in every record of ${datasets.map((d) => `dataset "${d.name}" (${d.origin})`).join(' and ')}; check the field name (dotted paths like attributes.x are supported)`);
  }
  if (names.size > SEGMENT_MAX_COUNT) {
    throw new DataError(`by: "${spec.by}" has ${names.size} distinct values (at most ${SEGMENT_MAX_COUNT}); segments are meant for a few groups such as models or customer tiers, not ids`);
  }
  const first = split[0]!;
  // Largest segments first (in the dataset under test), then by name, so reports are stable.
  const ordered = [...names].sort((a, b) => (first.groups.get(b)?.length ?? 0) - (first.groups.get(a)?.length ?? 0) || a.localeCompare(b));
  return { split, ordered };
}

function fmtP(p: number | null): string {
  return p === null ? '' : `, p=${p < 1e-4 ? p.toExponential(1) : Number(p.toPrecision(2))}`;
}

/**
 * Run a detector once per segment of the current (and reference) dataset. The result's status is
 * the worst tested segment's, its statistic and p-value that segment's; `details.segments` lists
 * every segment. Segments' tests are returned for the run-level correction.
 */
export async function evaluateBySegment(
  spec: SegmentSpec,
  input: DetectorInput,
  evaluate: (input: DetectorInput) => Promise<DetectorResult>,
): Promise<{ result: DetectorResult; tests: SegmentTest[] }> {
  const { current, reference } = input;
  const { split, ordered } = segmentsOf(spec, reference ? [current, reference] : [current]);
  const [cur, ref] = split;
  const segments: SegmentResult[] = [];
  const tests: SegmentTest[] = [];
  let worst: { index: number; result: DetectorResult } | undefined;
  for (const value of ordered) {
    const curRecords = cur!.groups.get(value);
    const refRecords = ref?.groups.get(value);
    const n = curRecords?.length ?? 0;
    const entry: SegmentResult = { segment: value, n, ...(ref ? { nReference: refRecords?.length ?? 0 } : {}), status: 'too-small', statistic: null, pValue: null, message: '' };
    segments.push(entry);
    if (n < spec.minSize || (ref && (refRecords?.length ?? 0) < spec.minSize)) {
      entry.message = `too small: ${n}${ref ? ` current / ${refRecords?.length ?? 0} reference` : ''} records (minSegmentSize ${spec.minSize})`;
      continue;
    }
    let result: DetectorResult;
    try {
      result = await evaluate({
        ...input,
        current: subset(current, spec.by, value, curRecords),
        ...(reference ? { reference: subset(reference, spec.by, value, refRecords) } : {}),
      });
    } catch (error) {
      result = { status: 'error', statistic: null, pValue: null, threshold: null, message: errorMessage(error) };
    }
    Object.assign(entry, { status: result.status, statistic: result.statistic, pValue: result.pValue, message: result.message });
    if (result.test && result.pValue !== null && result.status !== 'error') tests.push({ segment: segments.length - 1, test: result.test });
    if (!worst || RANK[result.status] > RANK[worst.result.status]
      || (RANK[result.status] === RANK[worst.result.status] && (result.pValue ?? 1) < (worst.result.pValue ?? 1))) {
      worst = { index: segments.length - 1, result };
    }
  }
  const details = {
    by: spec.by,
    minSegmentSize: spec.minSize,
    segments,
    ...(cur!.missing || ref?.missing ? { missingSegmentField: { current: cur!.missing, ...(ref ? { reference: ref.missing } : {}) } } : {}),
  };
  const result: DetectorResult = {
    status: 'pass', statistic: worst?.result.statistic ?? null, pValue: worst?.result.pValue ?? null, threshold: worst?.result.threshold ?? null, message: '', details,
  };
  foldSegments(result as DetectorReport);
  return { result, tests };
}

/** Re-decide one segment after the run-level correction. */
export function correctSegment(report: DetectorReport, segment: number, pAdjusted: number, status: Status, label: string): void {
  const s = (report.details?.segments as SegmentResult[] | undefined)?.[segment];
  if (!s) return;
  s.pValueAdjusted = pAdjusted;
  if (s.status !== status) s.message = `${s.message} [${label}-adjusted p=${pAdjusted.toPrecision(3)} → ${status}]`;
  s.status = status;
}

/** The detector's status, statistic and summary from its segments: the worst segment decides. */
export function foldSegments(report: Pick<DetectorReport, 'status' | 'statistic' | 'pValue' | 'message' | 'details'> & { pValueAdjusted?: number | null }): void {
  const details = report.details as { by: string; minSegmentSize: number; segments: SegmentResult[]; missingSegmentField?: { current: number; reference?: number } };
  const tested = details.segments.filter((s) => s.status !== 'too-small');
  const small = details.segments.filter((s) => s.status === 'too-small');
  const missing = details.missingSegmentField;
  const tail = [
    small.length ? `${small.length} too small (< ${details.minSegmentSize} records): ${small.slice(0, 8).map((s) => s.segment).join(', ')}${small.length > 8 ? ', …' : ''}` : '',
    missing ? `${missing.current}${missing.reference !== undefined ? `/${missing.reference}` : ''} records without ${details.by} not segmented` : '',
  ].filter(Boolean).join('; ');
  if (tested.length === 0) {
    report.status = 'warn';
    report.message = `by ${details.by}: no segment has at least ${details.minSegmentSize} records${tail ? `; ${tail}` : ''}`;
    return;
  }
  const worst = tested.reduce((w, s) => (RANK[s.status as Status] > RANK[w.status as Status]
    || (RANK[s.status as Status] === RANK[w.status as Status] && (s.pValue ?? 1) < (w.pValue ?? 1)) ? s : w));
  report.status = worst.status as Status;
  report.statistic = worst.statistic;
  report.pValue = worst.pValue;
  if (worst.pValueAdjusted !== undefined) report.pValueAdjusted = worst.pValueAdjusted;
  const moved = tested.filter((s) => s.status === 'fail' || s.status === 'warn' || s.status === 'error');
  const head = moved.length
    ? `by ${details.by}: ${moved.length} of ${tested.length} segments moved: ${moved.map((s) => `${s.segment} (${s.status}${fmtP(s.pValueAdjusted ?? s.pValue)})`).join(', ')}; worst: ${worst.segment}: ${worst.message}`
    : `by ${details.by}: none of ${tested.length} segments moved (${tested.map((s) => s.segment).join(', ')})`;
  report.message = tail ? `${head}; ${tail}` : head;
}

/**
 * Compute a metric once per segment of its dataset; values carry a `segment` label. Segments below
 * the minimum size are not computed and are named in the returned notice.
 */
export async function computeBySegment(
  spec: SegmentSpec,
  dataset: Dataset,
  compute: (dataset: Dataset) => Promise<MetricValue[]>,
): Promise<{ values: MetricValue[]; notice?: string }> {
  const { split, ordered } = segmentsOf(spec, [dataset]);
  const { groups, missing } = split[0]!;
  const values: MetricValue[] = [];
  const small: string[] = [];
  for (const value of ordered) {
    const records = groups.get(value)!;
    if (records.length < spec.minSize) {
      small.push(`${value} (${records.length})`);
      continue;
    }
    for (const v of await compute(subset(dataset, spec.by, value, records))) {
      v.labels = { ...v.labels, segment: value };
      values.push(v);
    }
  }
  const notes = [
    small.length ? `segments of ${spec.by} below minSegmentSize ${spec.minSize} not computed: ${small.join(', ')}` : '',
    missing ? `${missing} records without ${spec.by} not segmented` : '',
  ].filter(Boolean);
  return { values, ...(notes.length ? { notice: notes.join('; ') } : {}) };
}
