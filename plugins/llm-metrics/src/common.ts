/**
 * Shared pieces of the llm-metrics components: reading fields, grouping records, and turning a
 * sample of values into the summary MetricValues every component emits.
 *
 * Naming scheme (one for every component): a distribution is exported under its OpenTelemetry name
 * as a `histogram` value (unchanged, so an OTel/Prometheus exporter can send it as is), and its
 * summary statistics as gauges named `<name>.<stat>` with `<stat>` one of `p50`, `p90`, `p95`,
 * `p99` (any `pNN` from the `quantiles` option, `p99.9` for 0.999), `max`, `mean`, `sum`.
 */
import { ConfigError, DataError, describeValue, getField, parseDuration, parseTimestamp, type ComponentContext, type Dataset, type MetricValue } from '@vigia/core';
import { BucketHistogram, KllSketch, dumpState, kllRankErrorBound, loadState, sortedCopy, sortedQuantiles, type StateDump } from '@vigia/stats';

/** OTel attribute for the requested model, used as the label when grouping by `model`. */
export const MODEL_LABEL = 'gen_ai.request.model';

/** The label name a `groupBy` field gets: the OTel attribute for `model`, else the field path itself. */
export function groupLabel(field: string): string {
  return field === 'model' ? MODEL_LABEL : field;
}

export interface RecordGroup {
  labels: Record<string, string>;
  /** Indices of the group's records in the dataset. */
  indices: number[];
}

/** All records as one group, or one group per value of `groupBy` (absent values form `unknown`), sorted by value. */
export function groupRecords(dataset: Dataset, groupBy: string | undefined): RecordGroup[] {
  const n = dataset.records.length;
  if (n === 0) throw new DataError(`dataset "${dataset.name}" (${dataset.origin}) is empty; metrics need at least one record`);
  if (!groupBy) return [{ labels: {}, indices: Array.from({ length: n }, (_, i) => i) }];
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const raw = getField(dataset.records[i]!, groupBy);
    if (raw !== null && typeof raw === 'object') {
      throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: groupBy field "${groupBy}" is an object or array; group by a field holding a string or number`);
    }
    const key = raw === undefined || raw === null || raw === '' ? 'unknown' : String(raw);
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(i);
  }
  const label = groupLabel(groupBy);
  return [...byKey.keys()].sort().map((key) => ({ labels: { [label]: key }, indices: byKey.get(key)! }));
}

/** True when at least one record has a non-null value at `field`. */
export function fieldPresent(dataset: Dataset, field: string): boolean {
  return dataset.records.some((r) => {
    const v = getField(r, field);
    return v !== undefined && v !== null && v !== '';
  });
}

/**
 * A finite number at `field` of record `index`, or undefined when absent/null/empty. Anything else
 * is a {@link DataError} naming the dataset, record and field.
 */
export function readNumber(dataset: Dataset, index: number, field: string): number | undefined {
  return numberIn(dataset.records[index]!, field, () => `dataset "${dataset.name}" (${dataset.origin}), record ${index + 1}`);
}

/** Like {@link readNumber}, and a DataError when the number is negative. */
export function readNonNegative(dataset: Dataset, index: number, field: string): number | undefined {
  return nonNegativeIn(dataset.records[index]!, field, () => `dataset "${dataset.name}" (${dataset.origin}), record ${index + 1}`);
}

/** {@link readNumber} on one record; `where` names it in messages (`dataset "x", record 12`). */
export function numberIn(record: Record<string, unknown>, field: string, where: () => string): number | undefined {
  const raw = getField(record, field);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const v = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(v)) {
    throw new DataError(`${where()}: field "${field}" is ${describeValue(raw)}, not a finite number`);
  }
  return v;
}

/** {@link readNonNegative} on one record. */
export function nonNegativeIn(record: Record<string, unknown>, field: string, where: () => string): number | undefined {
  const v = numberIn(record, field, where);
  if (v !== undefined && v < 0) {
    throw new DataError(`${where()}: field "${field}" is ${v}; it must be ≥ 0`);
  }
  return v;
}

/** Milliseconds since the epoch from an ISO 8601 string or a number of epoch milliseconds. */
export function readTimestamp(dataset: Dataset, index: number, field: string): number | undefined {
  const raw = getField(dataset.records[index]!, field);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const t = parseTimestamp(raw);
  if (!Number.isFinite(t)) {
    throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${index + 1}: field "${field}" is ${describeValue(raw)}, not an ISO 8601 timestamp or epoch milliseconds`);
  }
  return t;
}

/** `1m`, `30s`, `500ms`, `1.5h`, `1d` → milliseconds; a RangeError naming the text otherwise. */
export function parseWindow(text: string): number {
  const ms = parseDuration(text);
  if (Number.isNaN(ms)) throw new RangeError(`"${text}" is not a duration like 500ms, 30s, 1m, 1h`);
  return ms;
}

/** `0.95` → `p95`, `0.999` → `p99.9`, `0.5` → `p50`. */
export function quantileSuffix(p: number): string {
  return `p${Number((p * 100).toPrecision(10))}`;
}

export interface SummarySpec {
  /** Base name, e.g. `gen_ai.client.operation.duration`. */
  name: string;
  unit: string;
  /** What the values are, e.g. `end-to-end request duration`. */
  what: string;
  labels: Record<string, string>;
  quantiles: readonly number[];
  mode: 'exact' | 'sketch';
  sketchK: number;
  /** Explicit bucket bounds: emit a `histogram` value under `name`. */
  buckets?: readonly number[];
  /** Also emit `<name>.sum` as a counter. */
  sum?: boolean;
  /** Leave out `<name>.mean`. */
  noMean?: boolean;
}

/**
 * Summary values of a sample. Exact mode: type-7 quantiles of the sorted values (Hyndman and Fan
 * 1996). Sketch mode: the values stream through a KLL sketch (Karnin, Lang and Liberty 2016) whose
 * quantiles are within ±ε(k) in rank; max, mean, sum and the histogram stay exact in both modes.
 */
export function summarize(values: Float64Array, spec: SummarySpec, ctx: ComponentContext): MetricValue[] {
  const n = values.length;
  if (n === 0) return [];
  if (spec.mode === 'sketch') {
    const acc = new SummaryAccumulator(spec, ctx);
    for (let i = 0; i < n; i++) acc.add(values[i]!);
    return acc.summarize(spec);
  }
  const sorted = sortedCopy(values);
  const qs = sortedQuantiles(sorted, spec.quantiles);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  return summaryValues(spec, n, qs, sorted[n - 1]!, sum, 'exact, linear interpolation between order statistics (type 7)', spec.buckets ? () => {
    const histogram = new BucketHistogram(spec.buckets!);
    histogram.addAll(values);
    return histogram;
  } : undefined);
}

/**
 * A summary built value by value (a streamed window): exact mode keeps the values as a growing
 * Float64Array (a column), sketch mode a KLL sketch, the running sum and the histogram, so memory
 * is constant. The values equal {@link summarize}'s on the same values in the same order.
 */
export class SummaryAccumulator {
  values: Float64Array = new Float64Array(0);
  n = 0;
  sum = 0;
  sketch: KllSketch | undefined;
  histogram: BucketHistogram | undefined;
  /** Draws the sketch made from its RNG, so a restored sketch continues the same random stream. */
  draws = 0;
  readonly #random: () => number;

  constructor(spec: Pick<SummarySpec, 'name' | 'labels' | 'mode' | 'sketchK' | 'buckets'>, ctx: Pick<ComponentContext, 'rng'>) {
    const rng = ctx.rng.fork(`${spec.name}|${JSON.stringify(spec.labels)}`);
    this.#random = () => rng.next();
    if (spec.mode === 'sketch') {
      this.sketch = new KllSketch({ k: spec.sketchK, random: () => {
        this.draws++;
        return this.#random();
      } });
      if (spec.buckets) this.histogram = new BucketHistogram(spec.buckets);
    }
  }

  add(v: number): void {
    if (this.sketch) {
      this.sketch.add(v);
      this.histogram?.add(v);
      this.sum += v;
      this.n++;
      return;
    }
    if (this.n === this.values.length) {
      const grown = new Float64Array(Math.max(1024, this.n * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = v;
  }

  summarize(spec: SummarySpec): MetricValue[] {
    if (this.n === 0) return [];
    if (!this.sketch) return summarize(this.values.subarray(0, this.n), spec, { rng: undefined } as unknown as ComponentContext);
    const how = `KLL sketch, k=${spec.sketchK}, rank error ≤ ${(kllRankErrorBound(spec.sketchK) * 100).toFixed(2)}% at 99% confidence`;
    const histogram = this.histogram;
    return summaryValues(spec, this.n, this.sketch.quantiles(spec.quantiles), this.sketch.max, this.sum, how, histogram ? () => histogram : undefined);
  }

  snapshot(): StateDump {
    return dumpState({ values: this.values.subarray(0, this.n), n: this.n, sum: this.sum, sketch: this.sketch, histogram: this.histogram, draws: this.draws });
  }

  restore(state: StateDump): void {
    const s = loadState(state, { sketch: this.sketch, histogram: this.histogram }) as { values: Float64Array; n: number; sum: number; draws: number };
    this.values = s.values;
    this.n = s.n;
    this.sum = s.sum;
    // replay the sketch's random draws on the fresh stream
    for (let i = 0; i < s.draws; i++) this.#random();
    this.draws = s.draws;
  }
}

function summaryValues(spec: SummarySpec, n: number, qs: number[], max: number, sum: number, how: string, histogram: (() => BucketHistogram) | undefined): MetricValue[] {
  const out: MetricValue[] = [];
  const labels = spec.labels;
  spec.quantiles.forEach((p, i) => {
    out.push({ name: `${spec.name}.${quantileSuffix(p)}`, value: qs[i]!, unit: spec.unit, labels: { ...labels }, description: `${Number((p * 100).toPrecision(10))}th percentile of ${spec.what} over ${n} values (${how})` });
  });
  out.push({ name: `${spec.name}.max`, value: max, unit: spec.unit, labels: { ...labels }, description: `maximum of ${spec.what} over ${n} values` });
  if (!spec.noMean) out.push({ name: `${spec.name}.mean`, value: sum / n, unit: spec.unit, labels: { ...labels }, description: `mean of ${spec.what} over ${n} values` });
  if (spec.sum) out.push({ name: `${spec.name}.sum`, value: sum, unit: spec.unit, labels: { ...labels }, kind: 'counter', description: `total of ${spec.what} over ${n} values` });
  if (spec.buckets && histogram) {
    out.push({ name: spec.name, value: sum / n, unit: spec.unit, labels: { ...labels }, kind: 'histogram', histogram: histogram().toJSON(), description: `histogram of ${spec.what} (explicit buckets, upper bound inclusive); value is the mean` });
  }
  return out;
}

/** Schema fragments shared by the components. */
export const quantilesOption = {
  type: 'array',
  items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
  minItems: 1,
  default: [0.5, 0.9, 0.95, 0.99],
  description: 'Quantiles to report, each in (0, 1); 0.95 is emitted as `<name>.p95`.',
} as const;

export const modeOption = {
  enum: ['exact', 'sketch'],
  default: 'exact',
  description: '`exact`: type-7 percentiles of all values (batch runs). `sketch`: a mergeable KLL sketch of constant memory (streams), rank error ≤ 2.446/k^0.9433 at 99% confidence.',
} as const;

export const sketchKOption = {
  type: 'integer',
  minimum: 8,
  maximum: 65535,
  default: 200,
  description: 'KLL sketch size parameter k for `mode: sketch` (200 → rank error ≤ 1.65%, about 20 KB).',
} as const;

export const groupByOption = {
  type: 'string',
  description: 'Compute every value per value of this field (e.g. `model`, labelled `gen_ai.request.model`; other fields are labelled by their path).',
} as const;

/** Bucket bounds from options must be finite and strictly increasing: a config error otherwise. */
export function checkBuckets(option: string, bounds: readonly number[] | undefined): void {
  const problem = bucketProblem(option, bounds);
  if (problem) throw new ConfigError('VIGIA_CONFIG_INVALID', `/with${problem}`);
}

/** The problem with histogram bounds (`/option must …`), for a component's validation-time `check`. */
export function bucketProblem(option: string, bounds: readonly number[] | undefined): string | undefined {
  if (!bounds) return undefined;
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]!) || (i > 0 && !(bounds[i]! > bounds[i - 1]!))) {
      return `/${option} must be finite and strictly increasing, got [${bounds.slice(0, 20).join(', ')}${bounds.length > 20 ? ', …' : ''}]`;
    }
  }
  return undefined;
}
