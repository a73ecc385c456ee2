import {
  ConfigError, DataError, defineDetector, getField,
  type ComponentContext, type Dataset, type DetectorResult,
} from '@vigia/core';
import type { StreamingScorer } from '@vigia/stats';
import { createSeriesScorer, learnSeason, trainForest, type AnomalyMethod } from './scorers.js';

/** Parse a timestamp: a number is epoch milliseconds; a string is ISO 8601 (a space instead of `T`
 * and no zone, as in `2014-04-10 07:15:00`, are read as UTC). Returns NaN when unparseable. */
export function parseTimestamp(raw: unknown): number {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : NaN;
  if (raw instanceof Date) return raw.getTime();
  if (typeof raw !== 'string' || raw.trim() === '') return NaN;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw.trim());
  if (m) return Date.parse(`${m[1]}T${m[2]}${m[3] ? `.${m[3].slice(0, 3).padEnd(3, '0')}` : ''}${m[4] ?? 'Z'}`);
  return /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? Date.parse(`${raw.trim()}T00:00:00Z`) : NaN;
}

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
        const detail = `field "${s.fields[k]}" is ${JSON.stringify(raw)}, not a finite number`;
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
        const detail = `timestamp field "${s.timestampField}" is ${JSON.stringify(raw)}, not an ISO 8601 date or epoch milliseconds`;
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

/** Streaming scorers for all fields; a point's score is the largest of its fields' scores. */
interface PointScorer {
  learn(row: number, rows: Rows): void;
  score(row: number, rows: Rows): number;
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

export const anomalyDetector = defineDetector({
  description:
    'Scores each point of a numeric field (or several fields) in time order with a streaming anomaly scorer (novelty of robust deviations, robust z-score, seasonal baseline, or isolation forest); fails when a score reaches `threshold`.',
  options: {
    type: 'object',
    properties: {
      field: { type: 'string', description: 'Numeric field to score (dotted path). Give `field` or `fields`.' },
      fields: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Several numeric fields scored as one multivariate point.' },
      timestampField: { type: 'string', description: 'Field with the record time (ISO 8601 or epoch ms). Without it, records are scored in dataset order.' },
      method: {
        type: 'string', enum: ['auto', 'robust-z', 'seasonal', 'isolation-forest'], default: 'auto',
        description: 'auto: novelty of robust deviations, chosen on NAB; robust-z: rolling median/MAD z; seasonal: daily/weekly baseline (needs timestampField); isolation-forest: multivariate, trained on the learning data.',
      },
      window: { type: 'integer', minimum: 10, default: 6400, description: 'Rolling window in points for auto and robust-z.' },
      threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.9, description: 'The detector fails when a score in the current dataset reaches this.' },
      probation: {
        type: 'number', minimum: 0, maximum: 0.9,
        description: 'Share of the current points at the start that are learned, not scored (score null). Default 0.15 without a reference dataset, 0 with one.',
      },
      useReference: { type: 'boolean', default: true, description: 'Learn from the reference dataset (in time order) before scoring current.' },
      emitScores: { type: 'boolean', default: false, description: 'Put every score in details.scores, in input order (null when not scored).' },
      top: { type: 'integer', minimum: 0, default: 10, description: 'How many of the highest-scoring points details.anomalies lists.' },
      onInvalid: { type: 'string', enum: ['error', 'skip'], default: 'error', description: 'Non-numeric values or unparseable timestamps: fail with a DataError, or skip and count them in details.skipped.' },
      sort: { type: 'boolean', default: false, description: 'Sort records by timestamp when they are out of order (otherwise a DataError).' },
    },
    additionalProperties: false,
  },
  example: { field: 'latency_ms', timestampField: 'timestamp', threshold: 0.95, top: 5 },
  create(options, ctx: ComponentContext) {
    const { field, fields: fieldList, timestampField, method, window, threshold, useReference, emitScores, top, onInvalid, sort } = options;
    if ((field === undefined) === (fieldList === undefined)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": give exactly one of \`field\` (one numeric field) or \`fields\` (several)`);
    }
    if (method === 'seasonal' && !timestampField) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `anomaly detector "${ctx.id}": method seasonal needs \`timestampField\` (periods are found on the timestamp grid)`);
    }
    const fields = fieldList ?? [field!];
    const read: ReadSettings = { fields, timestampField, onInvalid, sort };
    return {
      evaluate({ reference, current }): DetectorResult {
        const cur = readRows(current, read);
        const ref = reference && useReference ? readRows(reference, read) : undefined;
        const d = fields.length;
        const probationShare = options.probation ?? (ref && ref.count > 0 ? 0 : 0.15);
        const probationCount = Math.floor(probationShare * cur.count);

        // learning data: reference rows, then the probationary rows of current
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
        if (method === 'isolation-forest') {
          const n = Math.min(MAX_FOREST_ROWS, (ref?.count ?? 0) + probationCount);
          if (n < 16) {
            throw new DataError(`anomaly detector "${ctx.id}": isolation-forest needs at least 16 learning points (reference dataset or probationary share of "${current.name}"); it has ${n}. Provide a reference dataset or raise \`probation\``);
          }
          const rows = new Float64Array(n * d);
          let k = 0;
          const take = (src: Rows, count: number) => {
            for (let r = 0; r < count && k < n; r++, k++) for (let j = 0; j < d; j++) rows[k * d + j] = src.values[r * d + j]!;
          };
          if (ref) take(ref, ref.count);
          take(cur, probationCount);
          const forest = trainForest(rows, k, d, ctx.rng.fork('isolation-forest').next);
          pointScorer = { learn() {}, score: (r, rs) => forest.score(rs.values, r * d) };
        } else {
          const scorers = fields.map((f, k) => {
            let season;
            if (method === 'seasonal') {
              season = learnSeason(learnValues(k), learnTimes());
              if (season) periods.push({ field: f, periodHours: season.period.periodMs / 3_600_000, acf: season.period.acf });
            }
            return createSeriesScorer({ method: method as AnomalyMethod, window }, season);
          });
          pointScorer = streamingPointScorer(scorers);
          if (ref) for (let r = 0; r < ref.count; r++) pointScorer.learn(r, ref);
        }

        const scores: (number | null)[] = new Array(current.records.length).fill(null);
        const scoredRows: { row: number; score: number }[] = [];
        let maxScore = 0;
        let exceed = 0;
        for (let r = 0; r < cur.count; r++) {
          if (r < probationCount) {
            pointScorer.learn(r, cur);
            continue;
          }
          const s = pointScorer.score(r, cur);
          scores[cur.index[r]!] = s;
          scoredRows.push({ row: r, score: s });
          if (s > maxScore) maxScore = s;
          if (s >= threshold) exceed++;
        }
        const anomalies = scoredRows
          .sort((a, b) => b.score - a.score || a.row - b.row)
          .slice(0, top)
          .map(({ row, score }) => ({
            index: cur.index[row]!,
            timestamp: cur.timestamps ? new Date(cur.timestamps[row]!).toISOString() : null,
            value: d === 1 ? cur.values[row]! : Object.fromEntries(fields.map((f, k) => [f, cur.values[row * d + k]!])),
            score,
          }));
        const skippedCount = Object.values(cur.skipped).reduce((a, b) => a + b, 0);
        const failed = scoredRows.length > 0 && maxScore >= threshold;
        const what = d === 1 ? `"${fields[0]}"` : `${d} fields`;
        const message = scoredRows.length === 0
          ? `no points of ${what} were scored (${cur.count} read, ${probationCount} learned as probation)`
          : failed
            ? `${exceed} of ${scoredRows.length} points of ${what} scored >= ${threshold} (max ${maxScore.toFixed(3)}, record ${anomalies[0]!.index + 1})`
            : `max anomaly score of ${what} is ${maxScore.toFixed(3)} over ${scoredRows.length} points (threshold ${threshold})`;
        return {
          status: failed ? 'fail' : 'pass',
          statistic: scoredRows.length > 0 ? maxScore : null,
          pValue: null,
          threshold,
          message,
          details: {
            method,
            fields,
            scored: scoredRows.length,
            exceedances: exceed,
            probation: probationCount,
            learnedFromReference: ref?.count ?? 0,
            missing: cur.missing,
            skipped: { count: skippedCount, reasons: cur.skipped, examples: cur.skippedExamples },
            reordered: cur.reordered,
            ...(method === 'seasonal' ? { periods } : {}),
            anomalies,
            ...(emitScores ? { scores } : {}),
          },
        };
      },
    };
  },
});
