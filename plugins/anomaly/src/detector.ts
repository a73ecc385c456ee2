import {
  ConfigError, DataError, defineDetector, describeValue, didYouMean, getField, parseDuration, parseTimestamp,
  type ComponentContext, type Dataset, type DetectorInput, type DetectorResult, type RecordBatch, type VigiaRecord, type WindowInput,
} from '@vigia/core';
import {
  IsolationForest, MIN_LEVEL_REFERENCE, ReferenceLevel, dumpState, loadState, pToScore,
  type DetectedPeriod, type StateDump, type StreamingScorer,
} from '@vigia/stats';
import { bucketize, type AggregateSettings, type BucketSeries } from './aggregate.js';
import { createSeriesScorer, learnSeason, trainForest, type AnomalyMethod } from './scorers.js';


interface Rows {
  /** Record index (in the dataset) of each kept row, in scoring order. */
  index: Int32Array;
  /** Row-major values, `dimension` per row. */
  values: Float64Array;
  timestamps: Float64Array | undefined;
  count: number;
  /** Records whose field(s) are absent or null: scored null, not an error. */
  missing: number;
  skipped: Record<string, number>;
  skippedExamples: string[];
  /** Rows moved by `sort: true`. */
  reordered: number;
}

interface ReadSettings {
  fields: string[];
  timestampField?: string;
  onInvalid: 'error' | 'skip';
  sort: boolean;
}

function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') return Number(raw);
  return NaN;
}

/** Read the numeric rows of a dataset in time order; bad rows are errors or counted skips. */
function readRows(dataset: Dataset, s: ReadSettings): Rows {
  const d = s.fields.length;
  const n = dataset.records.length;
  const index = new Int32Array(n);
  const values = new Float64Array(n * d);
  const timestamps = s.timestampField ? new Float64Array(n) : undefined;
  const skipped: Record<string, number> = {};
  const skippedExamples: string[] = [];
  let count = 0;
  let missing = 0;
  const where = (i: number) => `dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}`;
  const skip = (i: number, reason: string, detail: string) => {
    skipped[reason] = (skipped[reason] ?? 0) + 1;
    if (skippedExamples.length < 5) skippedExamples.push(`record ${i + 1}: ${detail}`);
  };
  records: for (let i = 0; i < n; i++) {
    const record = dataset.records[i]!;
    let absent = false;
    for (let k = 0; k < d; k++) {
      const raw = getField(record, s.fields[k]!);
      if (raw === undefined || raw === null || raw === '') {
        absent = true;
        continue;
      }
      const v = toNumber(raw);
      if (!Number.isFinite(v)) {
        const detail = `field "${s.fields[k]}" is ${describeValue(raw)}, not a finite number`;
        if (s.onInvalid === 'skip') {
          skip(i, 'non-numeric value', detail);
          continue records;
        }
        throw new DataError(`${where(i)}: ${detail}; fix the value or set onInvalid: skip to skip such records (they are counted in details.skipped)`);
      }
      values[count * d + k] = v;
    }
    if (absent) {
      missing++;
      continue;
    }
    if (timestamps) {
      const raw = getField(record, s.timestampField!);
      const t = parseTimestamp(raw);
      if (!Number.isFinite(t)) {
        const detail = `timestamp field "${s.timestampField}" is ${describeValue(raw)}, not an ISO 8601 date or epoch milliseconds`;
        if (s.onInvalid === 'skip') {
          skip(i, 'unparseable timestamp', detail);
          continue;
        }
        throw new DataError(`${where(i)}: ${detail}; fix it or set onInvalid: skip`);
      }
      timestamps[count] = t;
    }
    index[count++] = i;
  }
  let reordered = 0;
  if (timestamps) {
    for (let r = 1; r < count; r++) {
      if (timestamps[r]! < timestamps[r - 1]!) {
        if (!s.sort) {
          throw new DataError(`${where(index[r]!)}: timestamp field "${s.timestampField}" (${new Date(timestamps[r]!).toISOString()}) is earlier than record ${index[r - 1]! + 1}'s (${new Date(timestamps[r - 1]!).toISOString()}); records must be in time order, or set sort: true to sort them`);
        }
        reordered++;
      }
    }
    if (reordered > 0) {
      const order = Array.from({ length: count }, (_, r) => r).sort((a, b) => timestamps[a]! - timestamps[b]! || a - b);
      const idx2 = index.slice(0, count);
      const val2 = values.slice(0, count * d);
      const ts2 = timestamps.slice(0, count);
      order.forEach((from, to) => {
        index[to] = idx2[from]!;
        timestamps[to] = ts2[from]!;
        for (let k = 0; k < d; k++) values[to * d + k] = val2[from * d + k]!;
      });
    }
  }
  return { index, values, timestamps, count, missing, skipped, skippedExamples, reordered };
}
/**
 * The kept rows of one side (reference, or the open window) as they stream past: columns (record
 * index, values, timestamps), never records, with the counts and the first problems that the
 * batch path's messages name.
 */
class RowBuffer {
  index = new Int32Array(256);
  values: Float64Array;
  timestamps: Float64Array | undefined;
  /** Rows stored (not yet scored). */
  count = 0;
  /** Rows kept in all (scored ones included). */
  kept = 0;
  records = 0;
  missing = 0;
  skipped: Record<string, number> = {};
  skippedExamples: string[] = [];
  name = '';
  /** The dataset's origin when core passes it with the batch (`jsonl x.jsonl`). */
  origin = '';
  first: unknown = undefined;
  /** The first bad value (`onInvalid: error`): the window's result is this error. */
  error: string | undefined = undefined;
  /** The first out-of-order timestamp (without `sort`). */
  orderError: string | undefined = undefined;
  lastT = NaN;
  lastIndex = -1;

  /** `dataset "x" (origin)`, as the batch path names a dataset. */
  get label(): string {
    // no batch at all (an empty dataset): core names no dataset then; `current` is the default name
    const name = this.name || 'current';
    return this.origin ? `dataset "${name}" (${this.origin})` : `dataset "${name}"`;
  }

  constructor(readonly d: number, withTimestamps: boolean) {
    this.values = new Float64Array(256 * Math.max(1, d));
    this.timestamps = withTimestamps ? new Float64Array(256) : undefined;
  }

  push(index: number, row: Float64Array, t: number): void {
    const d = this.d;
    if (this.count === this.index.length) {
      const cap = this.index.length * 2;
      const grow = <T extends Int32Array | Float64Array>(a: T, n: number): T => {
        const b = new (a.constructor as new (n: number) => T)(n);
        b.set(a);
        return b;
      };
      this.index = grow(this.index, cap);
      this.values = grow(this.values, cap * Math.max(1, d));
      if (this.timestamps) this.timestamps = grow(this.timestamps, cap);
    }
    const r = this.count++;
    this.index[r] = index;
    for (let k = 0; k < d; k++) this.values[r * d + k] = row[k]!;
    if (this.timestamps) this.timestamps[r] = t;
    this.kept++;
  }

  series(): Series {
    return { values: this.values.subarray(0, this.count * this.d), timestamps: this.timestamps?.subarray(0, this.count), count: this.count };
  }

  /** Forget the stored rows (scored), keep the counts. */
  drop(): void {
    this.count = 0;
    if (this.index.length > 4096) {
      this.index = new Int32Array(256);
      this.values = new Float64Array(256 * Math.max(1, this.d));
      if (this.timestamps) this.timestamps = new Float64Array(256);
    }
  }

  /** Sort the stored rows by time (stable), as `sort: true` does; returns how many were out of order. */
  sortByTime(): number {
    const ts = this.timestamps;
    if (!ts) return 0;
    let reordered = 0;
    for (let r = 1; r < this.count; r++) if (ts[r]! < ts[r - 1]!) reordered++;
    if (reordered === 0) return 0;
    const d = this.d;
    const order = Array.from({ length: this.count }, (_, r) => r).sort((a, b) => ts[a]! - ts[b]! || a - b);
    const idx2 = this.index.slice(0, this.count);
    const val2 = this.values.slice(0, this.count * d);
    const ts2 = ts.slice(0, this.count);
    order.forEach((from, to) => {
      this.index[to] = idx2[from]!;
      ts[to] = ts2[from]!;
      for (let k = 0; k < d; k++) this.values[to * d + k] = val2[from * d + k]!;
    });
    return reordered;
  }
}

/**
 * Read one record into `row` as {@link readRows} does: the row's time (NaN without a timestamp
 * field) when it is kept, undefined when it is missing or skipped (counted) or bad (the buffer's
 * `error`, under `onInvalid: error`).
 */
function readOne(buf: RowBuffer, record: VigiaRecord, s: ReadSettings, row: Float64Array): number | undefined {
  const i = buf.records++;
  if (buf.first === undefined && record !== null && typeof record === 'object') buf.first = record;
  if (buf.error !== undefined) return undefined;
  const where = () => `${buf.label}, record ${i + 1}`;
  const skip = (reason: string, detail: string) => {
    buf.skipped[reason] = (buf.skipped[reason] ?? 0) + 1;
    if (buf.skippedExamples.length < 5) buf.skippedExamples.push(`record ${i + 1}: ${detail}`);
  };
  let absent = false;
  for (let k = 0; k < s.fields.length; k++) {
    const raw = getField(record, s.fields[k]!);
    if (raw === undefined || raw === null || raw === '') {
      absent = true;
      continue;
    }
    const v = toNumber(raw);
    if (!Number.isFinite(v)) {
      const detail = `field "${s.fields[k]}" is ${describeValue(raw)}, not a finite number`;
      if (s.onInvalid === 'skip') skip('non-numeric value', detail);
      else buf.error = `${where()}: ${detail}; fix the value or set onInvalid: skip to skip such records (they are counted in details.skipped)`;
      return undefined;
    }
    row[k] = v;
  }
  if (absent) {
    buf.missing++;
    return undefined;
  }
  if (!s.timestampField) return NaN;
  const raw = getField(record, s.timestampField);
  const t = parseTimestamp(raw);
  if (!Number.isFinite(t)) {
    const detail = `timestamp field "${s.timestampField}" is ${describeValue(raw)}, not an ISO 8601 date or epoch milliseconds`;
    if (s.onInvalid === 'skip') skip('unparseable timestamp', detail);
    else buf.error = `${where()}: ${detail}; fix it or set onInvalid: skip`;
    return undefined;
  }
  if (!s.sort && buf.orderError === undefined && buf.kept > 0 && t < buf.lastT) {
    buf.orderError = `${where()}: timestamp field "${s.timestampField}" (${new Date(t).toISOString()}) is earlier than record ${buf.lastIndex + 1}'s (${new Date(buf.lastT).toISOString()}); records must be in time order, or set sort: true to sort them`;
  }
  buf.lastT = t;
  buf.lastIndex = i;
  return t;
}

/** The open window's scoring: counters, the best points and the runs of high scores so far. */
interface WindowScoring {
  /** Rows (buckets) of the window's series processed so far. */
  row: number;
  probation: number;
  scored: number;
  exceed: number;
  maxScore: number;
  top: PointInfo[];
  runs: RunSummary[];
  /** emitScores: the score of each record (by index in the window) or bucket, NaN when not scored. */
  scores: Float64Array | undefined;
}

const newWindow = (probation: number): WindowScoring => ({ row: 0, probation, scored: 0, exceed: 0, maxScore: 0, top: [], runs: [], scores: undefined });

/** A series to score: `values` row-major with a fixed number of values per row, in time order. */
interface Series {
  values: Float64Array;
  timestamps: Float64Array | undefined;
  count: number;
}

/** Streaming scorers for all fields; a point's score is the largest of its fields' scores. */
interface PointScorer {
  /** Learn the point whose values start at `values[offset]`, at time `t` (its row number without timestamps). */
  learn(values: Float64Array, offset: number, t: number): void;
  score(values: Float64Array, offset: number, t: number): number;
}

/** The time a scorer sees for row `r` of a series: its timestamp, or the row number. */
const timeOf = (rows: Series, r: number): number => (rows.timestamps ? rows.timestamps[r]! : r);

function streamingPointScorer(scorers: StreamingScorer[]): PointScorer {
  const d = scorers.length;
  return {
    learn(values, offset, t) {
      for (let k = 0; k < d; k++) scorers[k]!.learn(values[offset + k]!, t);
    },
    score(values, offset, t) {
      let s = 0;
      for (let k = 0; k < d; k++) s = Math.max(s, scorers[k]!.update(values[offset + k]!, t));
      return s;
    },
  };
}

function forestPointScorer(forest: IsolationForest): PointScorer {
  return { learn() {}, score: (values, offset) => forest.score(values, offset) };
}

/** The long-lived scoring state: scorers built from the learning data, the reference learned. */
interface Engine {
  point: PointScorer;
  /** Per field (series methods), the level channel wrapped around it with a reference. */
  scorers?: StreamingScorer[];
  forest?: IsolationForest;
  seasons: ({ period: DetectedPeriod; stepMs: number } | undefined)[];
  levelOn: boolean[];
  periods: { field: string; periodHours: number; acf: number }[];
  levels: { field: string; reference: number; logScale: boolean; varianceFactor: number }[];
  /** Reference points learned. */
  learned: number;
  /** Values per point. */
  dimension: number;
}

/** What rebuilds an engine's structure before its state is loaded (see engineFrom). */
interface EngineMeta {
  forest: boolean;
  seasons: ({ period: DetectedPeriod; stepMs: number } | null)[];
  levelOn: boolean[];
  periods: Engine['periods'];
  levels: Engine['levels'];
  learned: number;
  dimension: number;
}

const MAX_FOREST_ROWS = 65_536;
/** NAB's probation: min(15 % of the points, 750 points). */
const PROBATION_SHARE = 0.15;
const PROBATION_CAP = 750;
/** Events listed in details.events (the count is always given). */
const MAX_EVENTS = 100;

/** The dotted field paths present in a record (for "did you mean"). */
function fieldPaths(record: unknown, prefix = '', out: string[] = []): string[] {
  if (record === null || typeof record !== 'object' || Array.isArray(record) || out.length > 200) return out;
  for (const [k, v] of Object.entries(record as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${k}` : k;
    out.push(path);
    fieldPaths(v, path, out);
  }
  return out;
}

/** Why nothing of `dataset` could be scored, as a sentence naming the dataset and field(s). */
/** A dataset as {@link nothingScored} names it: whole (batch) or as streamed (no origin known). */
interface Described {
  /** `dataset "x" (jsonl x.jsonl)` */
  where: string;
  n: number;
  /** The first record, for "did you mean". */
  first: unknown;
}

const described = (dataset: Dataset): Described => ({
  where: `dataset "${dataset.name}" (${dataset.origin})`, n: dataset.records.length, first: dataset.records.find((r) => r !== null && typeof r === 'object'),
});

function nothingScored(id: string, dataset: Described, fields: string[], rows: Pick<Rows, 'count' | 'missing' | 'skipped' | 'skippedExamples'>, onInvalid: string, what: string): string {
  const where = dataset.where;
  const head = `anomaly detector "${id}" scored nothing`;
  const n = dataset.n;
  if (n === 0) return `${head}: ${where} is empty; check the source's path or filter`;
  const fieldText = fields.length === 1 ? `field "${fields[0]}"` : `fields ${fields.map((f) => `"${f}"`).join(', ')}`;
  const skipped = Object.values(rows.skipped).reduce((a, b) => a + b, 0);
  if (rows.count === 0 && rows.missing === n) {
    const hints = fields.map((f) => didYouMean(f, fieldPaths(dataset.first))).filter((x): x is string => x !== undefined && !fields.includes(x));
    return `${head}: ${fieldText} ${fields.length === 1 ? 'is' : 'are'} absent or null in all ${n} records of ${where}; check the field name${hints.length > 0 ? ` (did you mean "${hints[0]}"?)` : ''} (dotted paths like attributes.x are supported)`;
  }
  if (rows.count === 0 && skipped > 0) {
    const reasons = Object.entries(rows.skipped).map(([r, c]) => `${c} ${r}`).join(', ');
    return `${head}: every record of ${where} with ${fieldText} was skipped (onInvalid: ${onInvalid}; ${reasons}${rows.missing > 0 ? `, ${rows.missing} without the field` : ''}); e.g. ${rows.skippedExamples[0] ?? ''}`;
  }
  return `${head}: ${where} gave no ${what} to score (${rows.count} of ${n} records read with ${fieldText}${rows.missing > 0 ? `, ${rows.missing} without it` : ''}${skipped > 0 ? `, ${skipped} skipped` : ''})`;
}

/** A run of scores >= threshold (gaps of at most `gap` points below it joined). */
interface EventRun {
  first: number;
  last: number;
  points: number;
  peak: number;
}

function findEvents(scores: Float64Array, threshold: number, gap: number): EventRun[] {
  const out: EventRun[] = [];
  let cur: EventRun | undefined;
  for (let r = 0; r < scores.length; r++) {
    const s = scores[r]!;
    if (!(s >= threshold)) continue;
    if (cur && r - cur.last - 1 <= gap) {
      cur.last = r;
      cur.points++;
      if (s > scores[cur.peak]!) cur.peak = r;
    } else {
      cur = { first: r, last: r, points: 1, peak: r };
      out.push(cur);
    }
  }
  return out;
}

/** Points of history the novelty scorer ranks a deviation against (NoveltyScorer's default). */
const NOVELTY_HISTORY = 8640;

/**
 * The per-point false-alarm probability a novelty score stands for: below 0.9 the score is 0.9 × the
 * deviation's rank in the history, so p = 1 − rank; at or above 0.9 the deviation is a record of
 * the last `history` ones, p ≤ 1/(history + 1), shrunk by how far it beats the old record (the
 * score's 0.9 + 0.1·(1 − (max + 0.1)/(z + 0.1)) gives (max + 0.1)/(z + 0.1) = 10·(1 − score)).
 */
function noveltyP(score: number, history: number): number {
  if (score < 0.9) return 1 - score / 0.9;
  return (10 * (1 - score)) / (history + 1);
}

/**
 * The auto method with a reference: the level against the reference (point tail and CUSUM) and the
 * novelty against the series' own past, each as a per-point false-alarm probability, combined
 * with a Bonferroni factor of 3 and reported on the score scale of pToScore (0.9 ⇔ p = 1e-4).
 */
class LevelScorer implements StreamingScorer {
  constructor(public novelty: StreamingScorer, public level: ReferenceLevel, public seen: number) {}

  learn(value: number, t?: number): void {
    this.novelty.learn(value, t);
    this.level.update(value);
    this.seen++;
  }

  update(value: number, t?: number): number {
    const nov = this.novelty.update(value, t);
    this.level.update(value);
    const p = Math.min(this.level.lastPointP, this.level.lastShiftP, noveltyP(nov, Math.min(NOVELTY_HISTORY, this.seen)));
    this.seen++;
    return pToScore(Math.min(1, 3 * p));
  }
}

function withLevel(novelty: StreamingScorer, level: ReferenceLevel, learned: number): StreamingScorer {
  return new LevelScorer(novelty, level, learned);
}

/** One point (row or bucket) of a window, as results name it. */
interface PointInfo {
  /** Position in the window's series (probation points included). */
  row: number;
  score: number;
  /** Record index in the window (rows), -1 for buckets. */
  index: number;
  /** Timestamp (rows with a timestamp field) or bucket start, epoch ms; NaN when none. */
  t: number;
  values: number[];
  /** Records in the bucket (1 for a row). */
  records: number;
}

interface RunSummary {
  first: PointInfo;
  last: PointInfo;
  points: number;
  peak: PointInfo;
}

/** What a window's result is built from (see buildResult). */
interface WindowSummary {
  dimension: number;
  scored: number;
  exceed: number;
  maxScore: number;
  /** Highest scores, best first (ties: earlier first), at most `top`. */
  top: PointInfo[];
  runs: RunSummary[];
  missing: number;
  skipped: Record<string, number>;
  skippedExamples: string[];
  reordered: number;
  probation: number;
  learned: number;
  levels: { field: string; reference: number; logScale: boolean; varianceFactor: number }[];
  periods: { field: string; periodHours: number; acf: number }[];
  /** Reference and current points (for the "auto needs 100 points" hint). */
  historyPoints: number;
  buckets?: { series: BucketSeries; scores: Float64Array };
  /** Per record of the window: its score, or null when not scored (emitScores). */
  rowScores: () => (number | null)[];
}

export const anomalyDetector = defineDetector({
  description:
    'Scores each point of a numeric field (or several fields), or of per-bucket aggregates of records (request rate, token totals), in time order with a streaming anomaly scorer (by default: the level against the reference distribution, so a sustained incident scores high throughout, plus the novelty of robust deviations; or robust z-score, seasonal baseline, isolation forest); fails when a score reaches `threshold` and reports runs of high scores as events. A check that scores nothing (field absent, empty dataset, every record skipped) is a data error.',
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'Numeric field to score (dotted path). Give `field` or `fields` (neither with aggregate.value count).' },
      fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Several numeric fields scored as one multivariate point.' },
      timestampField: { type: 'string', description: 'Field with the record time (ISO 8601 or epoch ms). Without it, records are scored in dataset order. Required by aggregate.' },
      aggregate: {
        type: 'object',
        description: 'Score time buckets instead of records: the records of each epoch-aligned bucket of `every` are aggregated into one value (e.g. requests per 10 s). Needs timestampField.',
        properties: {
          every: { type: 'string', description: 'Bucket width: a number and a unit ms, s, m, h or d (10s, 1m, 5m, 1h). Buckets start at multiples of it from the Unix epoch (UTC).' },
          value: {
            type: 'string', enum: ['count', 'sum', 'mean', 'max', 'p95'], default: 'count',
            description: 'count: records per bucket (no field needed; with a field, records where it is present); sum, mean, max, p95 (type-7 quantile): of field(s) over the bucket.',
          },
          fillEmpty: {
            type: 'boolean', default: true,
            description: 'count/sum: empty buckets between the first and last record count as 0 (false: leave them out). mean/max/p95 always leave empty buckets out.',
          },
          edges: {
            type: 'string', enum: ['trim', 'keep'], default: 'trim',
            description: "trim: leave out each dataset's first and last bucket, which lie only partly inside its time range (a partial count or sum reads as a drop); keep: score them.",
          },
        },
        required: ['every'],
        additionalProperties: false,
      },
      method: {
        type: 'string', enum: ['auto', 'robust-z', 'seasonal', 'isolation-forest'], default: 'auto',
        description: 'auto: with a reference (at least 30 points), the largest of the level against the reference distribution (tail probability of the value, and a CUSUM of its reference quantiles for sustained shifts) and the novelty of robust deviations against the series\' own past; without one, the novelty alone (chosen on NAB). robust-z: rolling median/MAD z; seasonal: daily/weekly baseline (needs timestampField); isolation-forest: multivariate, trained on the learning data.',
      },
      window: { type: 'integer', minimum: 10, default: 6400, description: 'Rolling window in points (buckets with aggregate) for auto and robust-z.' },
      threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.9, description: 'The detector fails when a score in the current dataset reaches this. With auto and a reference, score = L/(L + 4/9), L = −log10 of the estimated per-point false-alarm probability: 0.9 ⇔ 1 normal point in 10,000.' },
      probation: {
        type: 'number', minimum: 0, maximum: 0.9,
        description: 'Share of the current points (buckets with aggregate) at the start that are learned, not scored (score null). Default without a reference dataset: min(15 % of the points, 750 points), as NAB; 0 with one.',
      },
      eventGap: { type: 'integer', minimum: 0, default: 10, description: 'Points scoring >= threshold form one event (details.events: start, end, peak, points) when at most this many points lie between them.' },
      useReference: { type: 'boolean', default: true, description: 'Learn from the reference dataset (in time order; its bucket series with aggregate) before scoring current.' },
      emitScores: { type: 'boolean', default: false, description: 'Put every score in details.scores: per record in input order (null when not scored), or with aggregate per bucket in time order as { start, value, score }.' },
      top: { type: 'integer', minimum: 0, default: 10, description: 'How many of the highest-scoring points (buckets) details.anomalies lists.' },
      onInvalid: { type: 'string', enum: ['error', 'skip'], default: 'error', description: 'Non-numeric values or unparseable timestamps: fail with a DataError, or skip and count them in details.skipped.' },
      sort: { type: 'boolean', default: false, description: 'Sort records by timestamp when they are out of order (otherwise a DataError). Always on with aggregate.' },
    },
    additionalProperties: false,
  },
  example: { field: 'latency_ms', timestampField: 'timestamp', threshold: 0.95, top: 5 },
  // The same rules as create() enforces, found at validation (exit 2 before any data is read).
  check({ field, fields, timestampField, aggregate, method }) {
    if (aggregate && !Number.isFinite(parseDuration(aggregate.every))) return `/aggregate/every "${aggregate.every}" is not a duration; write a number and a unit ms, s, m, h or d, e.g. 10s, 1m, 5m, 1h`;
    if (aggregate && !timestampField) return '/aggregate needs `timestampField` (records are put in time buckets by their timestamp)';
    if (field !== undefined && fields !== undefined) return 'give exactly one of `field` (one numeric field) or `fields` (several), not both';
    if (field === undefined && fields === undefined && (aggregate?.value ?? (aggregate ? 'count' : undefined)) !== 'count') {
      return 'give exactly one of `field` (one numeric field) or `fields` (several), or use aggregate with value count to score record counts per time bucket';
    }
    if (method === 'seasonal' && !timestampField) return '/method seasonal needs `timestampField` (periods are found on the timestamp grid)';
    return undefined;
  },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [...(options.fields ?? [options.field]), options.timestampField].filter((f): f is string => typeof f === 'string'),
  create(options, ctx: ComponentContext) {
    const { field, fields: fieldList, timestampField, aggregate, method, window, threshold, useReference, emitScores, top, onInvalid, sort, eventGap } = options;
    let agg: AggregateSettings | undefined;
    if (aggregate) {
      const everyMs = parseDuration(aggregate.every);
      if (!Number.isFinite(everyMs)) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": option aggregate.every is ${JSON.stringify(aggregate.every)}, not a duration; write a number and a unit ms, s, m, h or d, e.g. 10s, 1m, 5m, 1h (at least 1ms, a whole number of milliseconds)`);
      }
      if (!timestampField) {
        throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": option aggregate needs \`timestampField\` (records are put in time buckets by their timestamp)`);
      }
      agg = { everyMs, value: aggregate.value ?? 'count', fillEmpty: aggregate.fillEmpty ?? true, trimEdges: (aggregate.edges ?? 'trim') === 'trim' };
    }
    const countOnly = agg?.value === 'count';
    if (field !== undefined && fieldList !== undefined) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": give exactly one of \`field\` (one numeric field) or \`fields\` (several), not both`);
    }
    if (field === undefined && fieldList === undefined && !countOnly) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', agg
        ? `anomaly detector "${ctx.id}": give exactly one of \`field\` (one numeric field) or \`fields\` (several) to aggregate with aggregate.value ${agg.value}; only aggregate.value count needs no field`
        : `anomaly detector "${ctx.id}": give exactly one of \`field\` (one numeric field) or \`fields\` (several), or use aggregate with value count to score record counts per time bucket`);
    }
    if (method === 'seasonal' && !timestampField) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": method seasonal needs \`timestampField\` (periods are found on the timestamp grid)`);
    }
    const fields = fieldList ?? (field !== undefined ? [field] : []);
    // bucketing does not care about record order, so aggregation sorts rather than rejecting
    const read: ReadSettings = { fields, timestampField, onInvalid, sort: sort || agg !== undefined };

    const toBuckets = (dataset: Dataset, rows: Rows): BucketSeries => {
      try {
        return bucketize(rows.timestamps!, rows.values, rows.count, fields.length, agg!);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new DataError(`anomaly detector "${ctx.id}": dataset "${dataset.name}" (${dataset.origin}): ${e.message}; raise aggregate.every or check the timestamps in field "${timestampField}"`, { cause: e });
      }
    };

    /**
     * Build the scorers from the learning data (reference points, then the first `probationCount`
     * points of current) and learn the reference: the long-lived part of the detector.
     */
    const startEngine = (ref: Series | undefined, cur: Series, probationCount: number, d: number, currentName: string): Engine => {
      const names = countOnly ? ['count'] : fields;
      const learnValues = (k: number): number[] => {
        const out: number[] = [];
        if (ref) for (let r = 0; r < ref.count; r++) out.push(ref.values[r * d + k]!);
        for (let r = 0; r < probationCount; r++) out.push(cur.values[r * d + k]!);
        return out;
      };
      const learnTimes = (): number[] => {
        const out: number[] = [];
        if (ref?.timestamps) for (let r = 0; r < ref.count; r++) out.push(ref.timestamps[r]!);
        if (cur.timestamps) for (let r = 0; r < probationCount; r++) out.push(cur.timestamps[r]!);
        return out;
      };
      const periods: Engine['periods'] = [];
      const levels: Engine['levels'] = [];
      if (method === 'isolation-forest') {
        const n = Math.min(MAX_FOREST_ROWS, (ref?.count ?? 0) + probationCount);
        if (n < 16) {
          throw new DataError(`anomaly detector "${ctx.id}": isolation-forest needs at least 16 learning ${agg ? 'buckets' : 'points'} (reference dataset or probationary share of "${currentName}"); it has ${n}. Provide a reference dataset or raise \`probation\``);
        }
        const rows = new Float64Array(n * d);
        let k = 0;
        const take = (src: Series, count: number) => {
          for (let r = 0; r < count && k < n; r++, k++) for (let j = 0; j < d; j++) rows[k * d + j] = src.values[r * d + j]!;
        };
        if (ref) take(ref, ref.count);
        take(cur, probationCount);
        const forest = trainForest(rows, k, d, ctx.rng.fork('isolation-forest').next);
        return { point: forestPointScorer(forest), forest, seasons: [], levelOn: [], periods, levels, learned: ref?.count ?? 0, dimension: d };
      }
      const seasons: Engine['seasons'] = [];
      const scorers = names.map((f, k) => {
        let season;
        if (method === 'seasonal') {
          season = learnSeason(learnValues(k), learnTimes());
          if (season) periods.push({ field: f, periodHours: season.period.periodMs / 3_600_000, acf: season.period.acf });
        }
        seasons.push(season);
        return createSeriesScorer({ method: method as AnomalyMethod, window }, season);
      });
      const point = streamingPointScorer(scorers);
      if (ref) for (let r = 0; r < ref.count; r++) point.learn(ref.values, r * d, timeOf(ref, r));
      const levelOn = names.map(() => false);
      if (method === 'auto' && ref && ref.count >= MIN_LEVEL_REFERENCE) {
        // The level channel is built after the reference was learned: its CUSUM starts at current.
        names.forEach((f, k) => {
          const refValues = new Float64Array(ref.count);
          for (let r = 0; r < ref.count; r++) refValues[r] = ref.values[r * d + k]!;
          const level = new ReferenceLevel(refValues);
          levels.push({ field: f, reference: ref.count, logScale: level.logScale, varianceFactor: level.varianceFactor });
          scorers[k] = withLevel(scorers[k]!, level, ref.count);
          levelOn[k] = true;
        });
      }
      return { point, scorers, seasons, levelOn, periods, levels, learned: ref?.count ?? 0, dimension: d };
    };

    /** An engine with the structure of a snapshot's, its state then loaded from it. */
    const engineFrom = (meta: EngineMeta, dump: StateDump): Engine => {
      if (meta.forest) {
        const forest = loadState(dump, Object.create(IsolationForest.prototype)) as IsolationForest;
        return { point: forestPointScorer(forest), forest, seasons: [], levelOn: [], periods: meta.periods, levels: meta.levels, learned: meta.learned, dimension: meta.dimension };
      }
      const scorers: StreamingScorer[] = meta.seasons.map((season, k) => {
        const base = createSeriesScorer({ method: method as AnomalyMethod, window }, season ?? undefined);
        return meta.levelOn[k] ? new LevelScorer(base, Object.create(ReferenceLevel.prototype) as ReferenceLevel, 0) : base;
      });
      loadState(dump, scorers);
      return { point: streamingPointScorer(scorers), scorers, seasons: meta.seasons.map((x) => x ?? undefined), levelOn: meta.levelOn, periods: meta.periods, levels: meta.levels, learned: meta.learned, dimension: meta.dimension };
    };

    /** The result of one window from its summary: what the batch and the streamed path share. */
    const buildResult = (w: WindowSummary): DetectorResult => {
      const d = w.dimension;
      const names = countOnly ? ['count'] : fields;
      const valueAt = (p: PointInfo): number | Record<string, number> => (d === 1 ? p.values[0]! : Object.fromEntries(names.map((f, k) => [f, p.values[k]!])));
      const skippedCount = Object.values(w.skipped).reduce((a, b) => a + b, 0);
      const { maxScore, exceed, runs } = w;
      const failed = maxScore >= threshold;
      const fieldText = d === 1 ? `"${fields[0]}"` : `${d} fields`;
      const common = {
        method,
        fields,
        scored: w.scored,
        exceedances: exceed,
        eventCount: runs.length,
        probation: w.probation,
        learnedFromReference: w.learned,
        missing: w.missing,
        skipped: { count: skippedCount, reasons: w.skipped, examples: w.skippedExamples },
        reordered: w.reordered,
        ...(method === 'auto' ? { levelChannel: w.levels } : {}),
        ...(method === 'seasonal' ? { periods: w.periods } : {}),
      };
      const status = failed ? 'fail' : 'pass';
      const statistic = maxScore;
      const fmt = (v: number | Record<string, number>): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)))) : '');
      // The largest events (most points >= threshold) for the message, in time order.
      const headline = (describe: (e: RunSummary) => string): string => {
        const biggest = runs.slice().sort((a, b) => b.points - a.points || a.first.row - b.first.row).slice(0, 3).sort((a, b) => a.first.row - b.first.row);
        const more = runs.length - biggest.length;
        return `${runs.length} event${runs.length === 1 ? '' : 's'}: ${biggest.map(describe).join('; ')}${more > 0 ? `; ${more} more in details.events` : ''}`;
      };

      if (w.buckets && agg && aggregate) {
        const curBuckets = w.buckets.series;
        const pointScores = w.buckets.scores;
        const iso = (t: number) => new Date(t).toISOString();
        const anomalies = w.top.map((p) => ({ start: iso(p.t), value: valueAt(p), score: p.score, records: p.records }));
        const events = runs.slice(0, MAX_EVENTS).map((e) => ({
          start: iso(e.first.t), end: iso(e.last.t), points: e.points, span: e.last.row - e.first.row + 1,
          peak: { start: iso(e.peak.t), value: valueAt(e.peak), score: e.peak.score, records: e.peak.records },
        }));
        const what = countOnly
          ? `records per ${aggregate.every}${fields.length > 0 ? ` with ${fieldText}` : ''}`
          : `${agg.value} of ${fieldText} per ${aggregate.every}`;
        const message = failed
          ? `${exceed} of ${w.scored} buckets of ${what} scored >= ${threshold} in ${headline((e) => {
            const value = fmt(valueAt(e.peak));
            return `${e.first.row === e.last.row ? `bucket ${iso(e.first.t)}` : `buckets ${iso(e.first.t)} to ${iso(e.last.t)}`} (${e.points} >= ${threshold}, peak ${value ? `${value} ` : ''}at ${iso(e.peak.t)}, score ${e.peak.score.toFixed(3)})`;
          })}`
          : `max anomaly score of ${what} is ${maxScore.toFixed(3)} over ${w.scored} buckets (threshold ${threshold})${
            method === 'auto' && w.historyPoints < 100 ? '; auto scores 0 until it has 100 points of history: use method robust-z, a reference, or a smaller aggregate.every' : ''}`;
        let records = 0;
        for (let b = 0; b < curBuckets.count; b++) records += curBuckets.records[b]!;
        const bucketValue = (b: number) => (d === 1 ? curBuckets.values[b]! : Object.fromEntries(names.map((f, k) => [f, curBuckets.values[b * d + k]!])));
        return {
          status, statistic, pValue: null, threshold, message,
          details: {
            ...common,
            aggregate: { every: aggregate.every, everyMs: agg.everyMs, value: agg.value, fillEmpty: agg.fillEmpty, edges: agg.trimEdges ? 'trim' : 'keep' },
            buckets: curBuckets.count,
            records,
            emptyBuckets: { filled: curBuckets.emptyFilled, leftOut: curBuckets.emptyLeftOut },
            trimmedEdges: { buckets: curBuckets.trimmed, records: curBuckets.trimmedRecords },
            events,
            anomalies,
            ...(emitScores
              ? { scores: Array.from({ length: curBuckets.count }, (_, b) => ({ start: iso(curBuckets.starts[b]!), value: bucketValue(b), score: Number.isNaN(pointScores[b]!) ? null : pointScores[b]! })) }
              : {}),
          },
        };
      }

      const timeAt = (p: PointInfo) => (Number.isNaN(p.t) ? null : new Date(p.t).toISOString());
      const anomalies = w.top.map((p) => ({
        index: p.index,
        timestamp: timeAt(p),
        value: valueAt(p),
        score: p.score,
      }));
      const events = runs.slice(0, MAX_EVENTS).map((e) => ({
        start: e.first.index, end: e.last.index, startTime: timeAt(e.first), endTime: timeAt(e.last),
        points: e.points, span: e.last.row - e.first.row + 1,
        peak: { index: e.peak.index, timestamp: timeAt(e.peak), value: valueAt(e.peak), score: e.peak.score },
      }));
      const message = failed
        ? `${exceed} of ${w.scored} points of ${fieldText} scored >= ${threshold} in ${headline((e) => {
          const value = fmt(valueAt(e.peak));
          return `${e.first.row === e.last.row ? `record ${e.first.index + 1}` : `records ${e.first.index + 1}–${e.last.index + 1}`} (${e.points} >= ${threshold}, peak ${value ? `${value} ` : ''}at record ${e.peak.index + 1}, score ${e.peak.score.toFixed(3)})`;
        })}`
        : `max anomaly score of ${fieldText} is ${maxScore.toFixed(3)} over ${w.scored} points (threshold ${threshold})`;
      return {
        status, statistic, pValue: null, threshold, message,
        details: {
          ...common,
          events,
          anomalies,
          ...(emitScores ? { scores: w.rowScores() } : {}),
        },
      };
    };

    // ---- Streamed (stateful) scoring --------------------------------------------------------
    // Rows are scored as they arrive once the scorers can be built (the reference learned, the
    // probation known); before that, and with `sort` or `aggregate` (which need the whole
    // window), the window's rows are buffered as columns. The scorers live for the session.
    const buffered = agg !== undefined || sort;
    const rowDim = fields.length;
    const useRef = useReference;
    const st = {
      engine: undefined as Engine | undefined,
      referenceSeen: false,
      reference: new RowBuffer(rowDim, timestampField !== undefined),
      current: new RowBuffer(rowDim, timestampField !== undefined),
      window: newWindow(0),
      /** Why the scorers could not be built (e.g. too few points for a forest). */
      startError: undefined as string | undefined,
    };
    const scratch = new Float64Array(Math.max(1, rowDim));

    const refUsed = () => useRef && st.referenceSeen;
    /** The probation of the first window when it is known before the window ends, else undefined. */
    const probationKnown = (): number | undefined => {
      if (refUsed() && (st.reference.error !== undefined || st.reference.orderError !== undefined)) return undefined;
      if (options.probation !== undefined) return options.probation === 0 ? 0 : undefined;
      if (refUsed()) {
        const ref = st.reference;
        // A bad reference is the window's error: never learn from part of it.
        return ref.kept > 0 && ref.error === undefined && ref.orderError === undefined ? 0 : undefined;
      }
      const p = Math.min(Math.floor(PROBATION_SHARE * st.current.kept), PROBATION_CAP);
      return p === PROBATION_CAP ? p : undefined;
    };

    /** Process one point of the window's series (learn it in probation, else score it). */
    const processPoint = (values: Float64Array, offset: number, tRaw: number, index: number, records: number): void => {
      const w = st.window;
      const engine = st.engine!;
      const r = w.row++;
      const t = agg || timestampField ? tRaw : r;
      if (r < w.probation) {
        engine.point.learn(values, offset, t);
        return;
      }
      const score = engine.point.score(values, offset, t);
      w.scored++;
      if (score > w.maxScore) w.maxScore = score;
      if (score >= threshold) w.exceed++;
      if (w.scores) {
        const at = agg ? r : index;
        if (at >= w.scores.length) {
          const grown = new Float64Array(Math.max(at + 1, w.scores.length * 2)).fill(NaN);
          grown.set(w.scores);
          w.scores = grown;
        }
        w.scores[at] = score;
      }
      const topList = w.top;
      const topped = top > 0 && (topList.length < top || score > topList[topList.length - 1]!.score);
      if (!topped && score < threshold) return;
      // Only a point that enters the top list or a run gets its PointInfo (one object for both);
      // no closure or object per ordinary point.
      const info: PointInfo = { row: r, score, index: agg ? -1 : index, t: tRaw, values: Array.from(values.subarray(offset, offset + engine.dimension)), records };
      if (topped) {
        let at = topList.length;
        while (at > 0 && topList[at - 1]!.score < score) at--;
        topList.splice(at, 0, info);
        if (topList.length > top) topList.pop();
      }
      if (score >= threshold) {
        const last = w.runs[w.runs.length - 1];
        if (last && r - last.last.row - 1 <= eventGap) {
          last.last = info;
          last.points++;
          if (score > last.peak.score) last.peak = last.last;
        } else {
          w.runs.push({ first: info, last: info, points: 1, peak: info });
        }
      }
    };

    /** Score the stored rows of the window (all of them: the series is rows, not buckets). */
    const drainRows = () => {
      const cur = st.current;
      const d = rowDim;
      for (let r = 0; r < cur.count; r++) processPoint(cur.values, r * d, cur.timestamps ? cur.timestamps[r]! : NaN, cur.index[r]!, 1);
      cur.drop();
    };

    /** Build the scorers for the first window, with its probation; frees the reference's rows. */
    const start = (refSeries: Series | undefined, curSeries: Series, probation: number, d: number) => {
      st.engine = startEngine(refSeries, curSeries, probation, d, st.current.name || 'current');
      st.window.probation = probation;
      st.reference = Object.assign(new RowBuffer(rowDim, false), { kept: st.reference.kept, records: st.reference.records, name: st.reference.name, origin: st.reference.origin });
    };

    const streamUpdate = (batch: RecordBatch) => {
      if (batch.role === 'reference') {
        if (!useRef || st.engine) return;
        st.referenceSeen = true;
        const ref = st.reference;
        ref.name = batch.dataset;
        ref.origin = typeof (batch as { origin?: unknown }).origin === 'string' ? String((batch as { origin?: unknown }).origin) : '';
        for (const record of batch.records) {
          const t = readOne(ref, record, read, scratch);
          if (t !== undefined) ref.push(ref.records - 1, scratch, t);
        }
        return;
      }
      const cur = st.current;
      cur.name = batch.dataset;
      cur.origin = typeof (batch as { origin?: unknown }).origin === 'string' ? String((batch as { origin?: unknown }).origin) : '';
      if (emitScores && !agg && !st.window.scores) st.window.scores = new Float64Array(1024).fill(NaN);
      for (const record of batch.records) {
        const t = readOne(cur, record, read, scratch);
        if (t === undefined || cur.error !== undefined || cur.orderError !== undefined) continue;
        const index = cur.records - 1;
        if (st.engine && !buffered) {
          // Scoring: straight through.
          cur.kept++;
          processPoint(scratch, 0, t, index, 1);
          continue;
        }
        cur.push(index, scratch, t);
        if (buffered || st.startError !== undefined) continue;
        const probation = probationKnown();
        if (probation === undefined) continue;
        try {
          start(refUsed() ? st.reference.series() : undefined, cur.series(), probation, rowDim);
        } catch (error) {
          st.startError = (error as Error).message;
          continue;
        }
        drainRows();
      }
    };

    const streamEvaluate = (): DetectorResult => {
      const cur = st.current;
      const unit = agg ? 'buckets' : 'points';
      try {
        const refBuf = st.reference;
        const firstWindow = st.engine === undefined;
        if (cur.error !== undefined) throw new DataError(cur.error);
        if (cur.orderError !== undefined) throw new DataError(cur.orderError);
        if (firstWindow && refUsed()) {
          if (refBuf.error !== undefined) throw new DataError(refBuf.error);
          if (refBuf.orderError !== undefined) throw new DataError(refBuf.orderError);
        }
        const reordered = read.sort ? cur.sortByTime() : 0;
        if (read.sort && firstWindow && refUsed()) refBuf.sortByTime();
        const toBucketsOf = (buf: RowBuffer): BucketSeries => {
          try {
            return bucketize(buf.timestamps!, buf.values, buf.count, rowDim, agg!);
          } catch (e) {
            if (!(e instanceof RangeError)) throw e;
            throw new DataError(`anomaly detector "${ctx.id}": ${buf.label}: ${e.message}; raise aggregate.every or check the timestamps in field "${timestampField}"`, { cause: e });
          }
        };
        const curBuckets = agg ? toBucketsOf(cur) : undefined;
        const refBuckets = agg && firstWindow && refUsed() ? toBucketsOf(refBuf) : undefined;
        const asSeries = (b: BucketSeries): Series => ({ values: b.values, timestamps: b.starts, count: b.count });
        const curSeries = curBuckets ? asSeries(curBuckets) : cur.series();
        const refSeries = firstWindow && refUsed() ? (refBuckets ? asSeries(refBuckets) : refBuf.series()) : undefined;
        const d = curBuckets ? curBuckets.dimension : rowDim;
        const total = curBuckets ? curBuckets.count : cur.kept;
        const rowsLike = { count: cur.kept, missing: cur.missing, skipped: cur.skipped, skippedExamples: cur.skippedExamples };
        if (total === 0) throw new DataError(nothingScored(ctx.id, { where: cur.label, n: cur.records, first: cur.first }, fields, rowsLike, onInvalid, unit));
        if (refSeries && refSeries.count === 0) {
          const why = nothingScored(ctx.id, { where: refBuf.label, n: refBuf.records, first: refBuf.first }, fields, refBuf, onInvalid, unit).replace('scored nothing', 'learned nothing from the reference');
          throw new DataError(`${why}; fix it, or set useReference: false to score current against its own past`);
        }
        if (st.startError !== undefined) throw new DataError(st.startError);
        if (firstWindow) {
          const probation = options.probation !== undefined
            ? Math.floor(options.probation * total)
            : refSeries && refSeries.count > 0 ? 0 : Math.min(Math.floor(PROBATION_SHARE * total), PROBATION_CAP);
          start(refSeries, curSeries, probation, d);
        }
        const engine = st.engine!;
        if (curBuckets) {
          if (emitScores) st.window.scores = new Float64Array(curBuckets.count).fill(NaN);
          for (let b = 0; b < curBuckets.count; b++) processPoint(curBuckets.values, b * d, curBuckets.starts[b]!, -1, curBuckets.records[b]!);
        } else {
          drainRows();
        }
        const w = st.window;
        if (w.scored === 0) {
          throw new DataError(`anomaly detector "${ctx.id}" scored nothing: all ${total} ${unit} of ${cur.label} were learned as probation (probation ${options.probation}); lower \`probation\` or provide a reference dataset`);
        }
        const scores = w.scores;
        return buildResult({
          dimension: d, scored: w.scored, exceed: w.exceed, maxScore: w.maxScore, top: w.top, runs: w.runs,
          missing: cur.missing, skipped: cur.skipped, skippedExamples: cur.skippedExamples, reordered,
          probation: w.probation, learned: engine.learned, levels: engine.levels, periods: engine.periods,
          historyPoints: (firstWindow ? (refSeries?.count ?? 0) : engine.learned) + total,
          ...(curBuckets ? { buckets: { series: curBuckets, scores: scores ?? new Float64Array(0) } } : {}),
          rowScores: () => Array.from({ length: cur.records }, (_, i) => (scores && i < scores.length && !Number.isNaN(scores[i]!) ? scores[i]! : null)),
        });
      } finally {
        st.current = new RowBuffer(rowDim, timestampField !== undefined);
        st.window = newWindow(0);
      }
    };

    const streamSnapshot = (): unknown => {
      const e = st.engine;
      return {
        version: 1,
        engine: e ? {
          meta: { forest: e.forest !== undefined, seasons: e.seasons.map((x) => x ?? null), levelOn: e.levelOn, periods: e.periods, levels: e.levels, learned: e.learned, dimension: e.dimension } satisfies EngineMeta,
          state: dumpState(e.forest ?? e.scorers),
        } : null,
        referenceSeen: st.referenceSeen,
        reference: dumpState(st.reference),
        current: dumpState(st.current),
        window: dumpState(st.window),
        startError: st.startError ?? null,
      };
    };

    const streamRestore = (state: unknown): void => {
      const snap = state as { version?: number; engine: { meta: EngineMeta; state: StateDump } | null; referenceSeen: boolean; reference: StateDump; current: StateDump; window: StateDump; startError: string | null };
      if (snap?.version !== 1) throw new DataError(`anomaly detector "${ctx.id}": cannot restore ${describeValue(state, 40)}: not a snapshot taken by this version of the anomaly detector`);
      st.engine = snap.engine ? engineFrom(snap.engine.meta, snap.engine.state) : undefined;
      st.referenceSeen = snap.referenceSeen;
      st.reference = loadState(snap.reference, new RowBuffer(rowDim, timestampField !== undefined)) as RowBuffer;
      st.current = loadState(snap.current, new RowBuffer(rowDim, timestampField !== undefined)) as RowBuffer;
      st.window = loadState(snap.window) as WindowScoring;
      st.startError = snap.startError ?? undefined;
    };

    return {
      update(batch: RecordBatch) {
        streamUpdate(batch);
      },
      snapshot: streamSnapshot,
      restore: streamRestore,
      /** A window of streamed batches (`{ window }`), or two whole datasets (the batch path). */
      evaluate(input: WindowInput | DetectorInput): DetectorResult {
        if (!('current' in input)) return streamEvaluate();
        const { reference, current } = input;
        const curRows = readRows(current, read);
        const refRows = reference && useReference ? readRows(reference, read) : undefined;
        const curBuckets = agg ? toBuckets(current, curRows) : undefined;
        const refBuckets = agg && refRows && reference ? toBuckets(reference, refRows) : undefined;
        const asSeries = (b: BucketSeries): Series => ({ values: b.values, timestamps: b.starts, count: b.count });
        const cur: Series = curBuckets ? asSeries(curBuckets) : curRows;
        const ref: Series | undefined = refBuckets ? asSeries(refBuckets) : refRows;
        // values per point: one per field, or the one count per bucket
        const d = curBuckets ? curBuckets.dimension : fields.length;
        const unit = agg ? 'buckets' : 'points';
        if (cur.count === 0) throw new DataError(nothingScored(ctx.id, described(current), fields, curRows, onInvalid, unit));
        if (reference && refRows && ref && ref.count === 0) {
          const why = nothingScored(ctx.id, described(reference), fields, refRows, onInvalid, unit).replace('scored nothing', 'learned nothing from the reference');
          throw new DataError(`${why}; fix it, or set useReference: false to score current against its own past`);
        }
        const probationCount = options.probation !== undefined
          ? Math.floor(options.probation * cur.count)
          : ref && ref.count > 0 ? 0 : Math.min(Math.floor(PROBATION_SHARE * cur.count), PROBATION_CAP);

        const engine = startEngine(ref, cur, probationCount, d, current.name);
        const { point: pointScorer, periods, levels } = engine;

        // score of each point of `cur` (NaN = learned as probation, not scored)
        const pointScores = new Float64Array(cur.count).fill(NaN);
        const scoredRows: { row: number; score: number }[] = [];
        let maxScore = 0;
        let exceed = 0;
        for (let r = 0; r < cur.count; r++) {
          if (r < probationCount) {
            pointScorer.learn(cur.values, r * d, timeOf(cur, r));
            continue;
          }
          const s = pointScorer.score(cur.values, r * d, timeOf(cur, r));
          pointScores[r] = s;
          scoredRows.push({ row: r, score: s });
          if (s > maxScore) maxScore = s;
          if (s >= threshold) exceed++;
        }
        if (scoredRows.length === 0) {
          throw new DataError(`anomaly detector "${ctx.id}" scored nothing: all ${cur.count} ${unit} of dataset "${current.name}" (${current.origin}) were learned as probation (probation ${options.probation}); lower \`probation\` or provide a reference dataset`);
        }
        const info = (row: number): PointInfo => ({
          row, score: pointScores[row]!,
          index: curBuckets ? -1 : curRows.index[row]!,
          t: curBuckets ? curBuckets.starts[row]! : curRows.timestamps ? curRows.timestamps[row]! : NaN,
          values: Array.from({ length: d }, (_, k) => cur.values[row * d + k]!),
          records: curBuckets ? curBuckets.records[row]! : 1,
        });
        const top_ = scoredRows.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, top).map((x) => info(x.row));
        const runs = findEvents(pointScores, threshold, eventGap).map((e) => ({ first: info(e.first), last: info(e.last), points: e.points, peak: info(e.peak) }));
        return buildResult({
          dimension: d, scored: scoredRows.length, exceed, maxScore, top: top_, runs,
          missing: curRows.missing, skipped: curRows.skipped, skippedExamples: curRows.skippedExamples, reordered: curRows.reordered,
          probation: probationCount, learned: ref?.count ?? 0, levels, periods, historyPoints: (ref?.count ?? 0) + cur.count,
          ...(curBuckets ? { buckets: { series: curBuckets, scores: pointScores } } : {}),
          rowScores: () => {
            const scores: (number | null)[] = new Array(current.records.length).fill(null);
            for (let r = probationCount; r < curRows.count; r++) scores[curRows.index[r]!] = pointScores[r]!;
            return scores;
          },
        });
      },
    };
  },
});
