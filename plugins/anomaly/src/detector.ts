import {
  ConfigError, DataError, defineDetector, describeValue, didYouMean, getField, parseDuration, parseTimestamp,
  type ComponentContext, type Dataset, type DetectorResult,
} from '@vigia/core';
import { MIN_LEVEL_REFERENCE, ReferenceLevel, pToScore, type StreamingScorer } from '@vigia/stats';
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
/** A series to score: `values` row-major with a fixed number of values per row, in time order. */
interface Series {
  values: Float64Array;
  timestamps: Float64Array | undefined;
  count: number;
}

/** Streaming scorers for all fields; a point's score is the largest of its fields' scores. */
interface PointScorer {
  learn(row: number, rows: Series): void;
  score(row: number, rows: Series): number;
}

function streamingPointScorer(scorers: StreamingScorer[]): PointScorer {
  const d = scorers.length;
  return {
    learn(r, rows) {
      const t = rows.timestamps ? rows.timestamps[r]! : r;
      for (let k = 0; k < d; k++) scorers[k]!.learn(rows.values[r * d + k]!, t);
    },
    score(r, rows) {
      const t = rows.timestamps ? rows.timestamps[r]! : r;
      let s = 0;
      for (let k = 0; k < d; k++) s = Math.max(s, scorers[k]!.update(rows.values[r * d + k]!, t));
      return s;
    },
  };
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
function nothingScored(id: string, dataset: Dataset, fields: string[], rows: Rows, onInvalid: string, what: string): string {
  const where = `dataset "${dataset.name}" (${dataset.origin})`;
  const head = `anomaly detector "${id}" scored nothing`;
  const n = dataset.records.length;
  if (n === 0) return `${head}: ${where} is empty; check the source's path or filter`;
  const fieldText = fields.length === 1 ? `field "${fields[0]}"` : `fields ${fields.map((f) => `"${f}"`).join(', ')}`;
  const skipped = Object.values(rows.skipped).reduce((a, b) => a + b, 0);
  if (rows.count === 0 && rows.missing === n) {
    const hints = fields.map((f) => didYouMean(f, fieldPaths(dataset.records.find((r) => r !== null && typeof r === 'object')))).filter((x): x is string => x !== undefined && !fields.includes(x));
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
function withLevel(novelty: StreamingScorer, level: ReferenceLevel, learned: number): StreamingScorer {
  let seen = learned;
  return {
    learn(value, t) {
      novelty.learn(value, t);
      level.update(value);
      seen++;
    },
    update(value, t) {
      const nov = novelty.update(value, t);
      level.update(value);
      const p = Math.min(level.lastPointP, level.lastShiftP, noveltyP(nov, Math.min(NOVELTY_HISTORY, seen)));
      seen++;
      return pToScore(Math.min(1, 3 * p));
    },
  };
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

    return {
      evaluate({ reference, current }): DetectorResult {
        const curRows = readRows(current, read);
        const refRows = reference && useReference ? readRows(reference, read) : undefined;
        const curBuckets = agg ? toBuckets(current, curRows) : undefined;
        const refBuckets = agg && refRows && reference ? toBuckets(reference, refRows) : undefined;
        const asSeries = (b: BucketSeries): Series => ({ values: b.values, timestamps: b.starts, count: b.count });
        const cur: Series = curBuckets ? asSeries(curBuckets) : curRows;
        const ref: Series | undefined = refBuckets ? asSeries(refBuckets) : refRows;
        // values per point: one per field, or the one count per bucket
        const d = curBuckets ? curBuckets.dimension : fields.length;
        const names = countOnly ? ['count'] : fields;
        const unit = agg ? 'buckets' : 'points';
        if (cur.count === 0) throw new DataError(nothingScored(ctx.id, current, fields, curRows, onInvalid, unit));
        if (reference && refRows && ref && ref.count === 0) {
          const why = nothingScored(ctx.id, reference, fields, refRows, onInvalid, unit).replace('scored nothing', 'learned nothing from the reference');
          throw new DataError(`${why}; fix it, or set useReference: false to score current against its own past`);
        }
        const probationCount = options.probation !== undefined
          ? Math.floor(options.probation * cur.count)
          : ref && ref.count > 0 ? 0 : Math.min(Math.floor(PROBATION_SHARE * cur.count), PROBATION_CAP);

        // learning data: reference points, then the probationary points of current
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

        let pointScorer: PointScorer;
        const periods: { field: string; periodHours: number; acf: number }[] = [];
        const levels: { field: string; reference: number; logScale: boolean; varianceFactor: number }[] = [];
        if (method === 'isolation-forest') {
          const n = Math.min(MAX_FOREST_ROWS, (ref?.count ?? 0) + probationCount);
          if (n < 16) {
            throw new DataError(`anomaly detector "${ctx.id}": isolation-forest needs at least 16 learning ${agg ? 'buckets' : 'points'} (reference dataset or probationary share of "${current.name}"); it has ${n}. Provide a reference dataset or raise \`probation\``);
          }
          const rows = new Float64Array(n * d);
          let k = 0;
          const take = (src: Series, count: number) => {
            for (let r = 0; r < count && k < n; r++, k++) for (let j = 0; j < d; j++) rows[k * d + j] = src.values[r * d + j]!;
          };
          if (ref) take(ref, ref.count);
          take(cur, probationCount);
          const forest = trainForest(rows, k, d, ctx.rng.fork('isolation-forest').next);
          pointScorer = { learn() {}, score: (r, rs) => forest.score(rs.values, r * d) };
        } else {
          const scorers = names.map((f, k) => {
            let season;
            if (method === 'seasonal') {
              season = learnSeason(learnValues(k), learnTimes());
              if (season) periods.push({ field: f, periodHours: season.period.periodMs / 3_600_000, acf: season.period.acf });
            }
            return createSeriesScorer({ method: method as AnomalyMethod, window }, season);
          });
          pointScorer = streamingPointScorer(scorers);
          if (ref) for (let r = 0; r < ref.count; r++) pointScorer.learn(r, ref);
          if (method === 'auto' && ref && ref.count >= MIN_LEVEL_REFERENCE) {
            // The level channel is built after the reference was learned: its CUSUM starts at current.
            names.forEach((f, k) => {
              const refValues = new Float64Array(ref.count);
              for (let r = 0; r < ref.count; r++) refValues[r] = ref.values[r * d + k]!;
              const level = new ReferenceLevel(refValues);
              levels.push({ field: f, reference: ref.count, logScale: level.logScale, varianceFactor: level.varianceFactor });
              scorers[k] = withLevel(scorers[k]!, level, ref.count);
            });
          }
        }

        // score of each point of `cur` (NaN = learned as probation, not scored)
        const pointScores = new Float64Array(cur.count).fill(NaN);
        const scoredRows: { row: number; score: number }[] = [];
        let maxScore = 0;
        let exceed = 0;
        for (let r = 0; r < cur.count; r++) {
          if (r < probationCount) {
            pointScorer.learn(r, cur);
            continue;
          }
          const s = pointScorer.score(r, cur);
          pointScores[r] = s;
          scoredRows.push({ row: r, score: s });
          if (s > maxScore) maxScore = s;
          if (s >= threshold) exceed++;
        }
        if (scoredRows.length === 0) {
          throw new DataError(`anomaly detector "${ctx.id}" scored nothing: all ${cur.count} ${unit} of dataset "${current.name}" (${current.origin}) were learned as probation (probation ${options.probation}); lower \`probation\` or provide a reference dataset`);
        }
        const top_ = scoredRows.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, top);
        const valueAt = (row: number): number | Record<string, number> =>
          d === 1 ? cur.values[row]! : Object.fromEntries(names.map((f, k) => [f, cur.values[row * d + k]!]));
        const skippedCount = Object.values(curRows.skipped).reduce((a, b) => a + b, 0);
        const failed = maxScore >= threshold;
        const fieldText = d === 1 ? `"${fields[0]}"` : `${d} fields`;
        const runs = findEvents(pointScores, threshold, eventGap);
        const common = {
          method,
          fields,
          scored: scoredRows.length,
          exceedances: exceed,
          eventCount: runs.length,
          probation: probationCount,
          learnedFromReference: ref?.count ?? 0,
          missing: curRows.missing,
          skipped: { count: skippedCount, reasons: curRows.skipped, examples: curRows.skippedExamples },
          reordered: curRows.reordered,
          ...(method === 'auto' ? { levelChannel: levels } : {}),
          ...(method === 'seasonal' ? { periods } : {}),
        };
        const status = failed ? 'fail' : 'pass';
        const statistic = maxScore;
        const fmt = (v: number | Record<string, number>): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5)))) : '');
        // The largest events (most points >= threshold) for the message, in time order.
        const headline = (describe: (e: EventRun) => string): string => {
          const biggest = runs.slice().sort((a, b) => b.points - a.points || a.first - b.first).slice(0, 3).sort((a, b) => a.first - b.first);
          const more = runs.length - biggest.length;
          return `${runs.length} event${runs.length === 1 ? '' : 's'}: ${biggest.map(describe).join('; ')}${more > 0 ? `; ${more} more in details.events` : ''}`;
        };

        if (curBuckets && agg && aggregate) {
          const iso = (row: number) => new Date(curBuckets.starts[row]!).toISOString();
          const anomalies = top_.map(({ row, score }) => ({ start: iso(row), value: valueAt(row), score, records: curBuckets.records[row]! }));
          const events = runs.slice(0, MAX_EVENTS).map((e) => ({
            start: iso(e.first), end: iso(e.last), points: e.points, span: e.last - e.first + 1,
            peak: { start: iso(e.peak), value: valueAt(e.peak), score: pointScores[e.peak]!, records: curBuckets.records[e.peak]! },
          }));
          const what = countOnly
            ? `records per ${aggregate.every}${fields.length > 0 ? ` with ${fieldText}` : ''}`
            : `${agg.value} of ${fieldText} per ${aggregate.every}`;
          const message = failed
            ? `${exceed} of ${scoredRows.length} buckets of ${what} scored >= ${threshold} in ${headline((e) => {
              const value = fmt(valueAt(e.peak));
              return `${e.first === e.last ? `bucket ${iso(e.first)}` : `buckets ${iso(e.first)} to ${iso(e.last)}`} (${e.points} >= ${threshold}, peak ${value ? `${value} ` : ''}at ${iso(e.peak)}, score ${pointScores[e.peak]!.toFixed(3)})`;
            })}`
            : `max anomaly score of ${what} is ${maxScore.toFixed(3)} over ${scoredRows.length} buckets (threshold ${threshold})${
              method === 'auto' && (ref?.count ?? 0) + cur.count < 100 ? '; auto scores 0 until it has 100 points of history: use method robust-z, a reference, or a smaller aggregate.every' : ''}`;
          let records = 0;
          for (let b = 0; b < curBuckets.count; b++) records += curBuckets.records[b]!;
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
                ? { scores: Array.from({ length: curBuckets.count }, (_, b) => ({ start: iso(b), value: valueAt(b), score: Number.isNaN(pointScores[b]!) ? null : pointScores[b]! })) }
                : {}),
            },
          };
        }

        const scores: (number | null)[] = new Array(current.records.length).fill(null);
        for (let r = probationCount; r < curRows.count; r++) scores[curRows.index[r]!] = pointScores[r]!;
        const timeAt = (row: number) => (curRows.timestamps ? new Date(curRows.timestamps[row]!).toISOString() : null);
        const anomalies = top_.map(({ row, score }) => ({
          index: curRows.index[row]!,
          timestamp: timeAt(row),
          value: valueAt(row),
          score,
        }));
        const events = runs.slice(0, MAX_EVENTS).map((e) => ({
          start: curRows.index[e.first]!, end: curRows.index[e.last]!, startTime: timeAt(e.first), endTime: timeAt(e.last),
          points: e.points, span: e.last - e.first + 1,
          peak: { index: curRows.index[e.peak]!, timestamp: timeAt(e.peak), value: valueAt(e.peak), score: pointScores[e.peak]! },
        }));
        const message = failed
          ? `${exceed} of ${scoredRows.length} points of ${fieldText} scored >= ${threshold} in ${headline((e) => {
            const rec = (row: number) => curRows.index[row]! + 1;
            const value = fmt(valueAt(e.peak));
            return `${e.first === e.last ? `record ${rec(e.first)}` : `records ${rec(e.first)}–${rec(e.last)}`} (${e.points} >= ${threshold}, peak ${value ? `${value} ` : ''}at record ${rec(e.peak)}, score ${pointScores[e.peak]!.toFixed(3)})`;
          })}`
          : `max anomaly score of ${fieldText} is ${maxScore.toFixed(3)} over ${scoredRows.length} points (threshold ${threshold})`;
        return {
          status, statistic, pValue: null, threshold, message,
          details: {
            ...common,
            events,
            anomalies,
            ...(emitScores ? { scores } : {}),
          },
        };
      },
    };
  },
});
