import {
  DataError, defineMetric, describeValue, getField,
  type ComponentContext, type Dataset, type MetricInput, type MetricValue, type RecordBatch, type WindowInput,
} from '@vigia/core';
import type { StateDump } from '@vigia/stats';
import {
  SummaryAccumulator, bucketProblem, checkBuckets, fieldPresent, groupByOption, groupLabel, groupRecords, modeOption, nonNegativeIn, quantilesOption,
  readNonNegative, sketchKOption, summarize, type SummarySpec,
} from './common.js';

/** OTel GenAI advisory bucket boundaries, in seconds. */
export const DURATION_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
export const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
export const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];

const bucketsOption = (what: string) => ({
  type: 'array',
  items: { type: 'number' },
  minItems: 1,
  description: `Histogram bucket upper bounds for ${what}, in seconds, strictly increasing (default: the OTel GenAI advisory boundaries).`,
}) as const;

function isFailed(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

/**
 * End-to-end latency, time to first token and time per output token, in seconds, under their
 * OpenTelemetry GenAI names.
 */
export const latency = defineMetric({
  description: 'Latency percentiles and histograms (seconds): end-to-end duration, time to first token, time per output token; exact or from a KLL sketch.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      field: { type: 'string', default: 'latency_ms', description: 'End-to-end latency field (required in at least one record).' },
      ttftField: { type: 'string', default: 'ttft_ms', description: 'Time-to-first-token field; TTFT and TPOT are left out when no record has it.' },
      outputTokensField: { type: 'string', default: 'output_tokens', description: 'Output token count, for time per output token.' },
      errorField: { type: 'string', default: 'error', description: 'Records whose value here is set (non-empty, not false/0) are failed requests: left out of TTFT and TPOT, which OTel defines for successful responses.' },
      fieldUnit: { enum: ['ms', 's'], default: 'ms', description: 'Unit of the latency and TTFT fields; values are reported in seconds.' },
      quantiles: quantilesOption,
      mode: modeOption,
      sketchK: sketchKOption,
      histogram: { type: 'boolean', default: true, description: 'Also emit each distribution as a `histogram` value with explicit buckets.' },
      durationBuckets: bucketsOption('gen_ai.client.operation.duration'),
      ttftBuckets: bucketsOption('gen_ai.server.time_to_first_token'),
      tpotBuckets: bucketsOption('gen_ai.server.time_per_output_token'),
      groupBy: groupByOption,
    },
  },
  example: { field: 'latency_ms', ttftField: 'ttft_ms', groupBy: 'model' },
  check: (options) => [
    bucketProblem('durationBuckets', options.durationBuckets),
    bucketProblem('ttftBuckets', options.ttftBuckets),
    bucketProblem('tpotBuckets', options.tpotBuckets),
  ].filter((p): p is string => p !== undefined),
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.field, options.ttftField, options.outputTokensField, options.errorField, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options, createCtx) => {
    checkBuckets('durationBuckets', options.durationBuckets);
    checkBuckets('ttftBuckets', options.ttftBuckets);
    checkBuckets('tpotBuckets', options.tpotBuckets);
    const state = new LatencyWindow(options, createCtx);
    return {
      update(batch: RecordBatch, ctx: ComponentContext) {
        state.add(batch, ctx);
      },
      snapshot: () => state.snapshot(),
      restore: (snapshot: unknown) => state.restore(snapshot),
      /** A window of streamed batches (`{ window }`), or a whole dataset (the batch path). */
      compute(input: WindowInput | MetricInput, ctx: ComponentContext): MetricValue[] {
        if (!('dataset' in input)) return state.compute(ctx);
        return computeBatch(input.dataset, ctx);
      },
    };
    function computeBatch(dataset: Dataset, ctx: ComponentContext): MetricValue[] {
      const scale = options.fieldUnit === 's' ? 1 : 1e-3;
      if (!fieldPresent(dataset, options.field)) {
        throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${options.field}" is missing in every one of its ${dataset.records.length} records; set the latency metric's \`field\` option to the field holding end-to-end latency`);
      }
      const withTtft = fieldPresent(dataset, options.ttftField);
      const common = { quantiles: options.quantiles, mode: options.mode, sketchK: options.sketchK } as const;
      const out: MetricValue[] = [];
      let negativeTpot = 0;
      for (const group of groupRecords(dataset, options.groupBy)) {
        const durations: number[] = [];
        const ttfts: number[] = [];
        const tpots: number[] = [];
        for (const i of group.indices) {
          const latencyValue = readNonNegative(dataset, i, options.field);
          if (latencyValue !== undefined) durations.push(latencyValue * scale);
          if (!withTtft || isFailed(getField(dataset.records[i]!, options.errorField))) continue;
          const ttft = readNonNegative(dataset, i, options.ttftField);
          if (ttft === undefined) continue;
          ttfts.push(ttft * scale);
          const outputTokens = readNonNegative(dataset, i, options.outputTokensField);
          if (latencyValue === undefined || outputTokens === undefined || outputTokens <= 1) continue;
          // time per output token after the first: (latency − ttft) / (output_tokens − 1)
          const tpot = ((latencyValue - ttft) * scale) / (outputTokens - 1);
          if (tpot < 0) negativeTpot++;
          else tpots.push(tpot);
        }
        out.push(...summarize(Float64Array.from(durations), {
          ...common, name: 'gen_ai.client.operation.duration', unit: 's', what: 'end-to-end request duration', labels: group.labels,
          buckets: options.histogram ? (options.durationBuckets ?? DURATION_BUCKETS) : undefined,
        }, ctx));
        out.push(...summarize(Float64Array.from(ttfts), {
          ...common, name: 'gen_ai.server.time_to_first_token', unit: 's', what: 'time to first token', labels: group.labels,
          buckets: options.histogram ? (options.ttftBuckets ?? TTFT_BUCKETS) : undefined,
        }, ctx));
        out.push(...summarize(Float64Array.from(tpots), {
          ...common, name: 'gen_ai.server.time_per_output_token', unit: 's', what: 'time per output token after the first', labels: group.labels,
          buckets: options.histogram ? (options.tpotBuckets ?? TPOT_BUCKETS) : undefined,
        }, ctx));
      }
      if (negativeTpot > 0) {
        ctx.logger.warn(`latency: ${negativeTpot} record(s) of dataset "${dataset.name}" have ${options.ttftField} > ${options.field}; left out of time per output token`);
      }
      return out;
    }
  },
});

interface LatencyOptions {
  field: string;
  ttftField: string;
  outputTokensField: string;
  errorField: string;
  fieldUnit: 'ms' | 's';
  quantiles: number[];
  mode: 'exact' | 'sketch';
  sketchK: number;
  histogram: boolean;
  durationBuckets?: number[];
  ttftBuckets?: number[];
  tpotBuckets?: number[];
  groupBy?: string;
}

/** The three distributions of one group. */
interface LatencyGroup {
  labels: Record<string, string>;
  series: [SummaryAccumulator, SummaryAccumulator, SummaryAccumulator];
  /** The first bad value of the group (the batch path stops at it when it reaches the group). */
  error?: string;
}

/**
 * The stateful latency metric: each window's values by group, as columns (exact mode) or KLL
 * sketches (sketch mode), never the records. `compute` gives what the batch path gives on the
 * window's records (same values, same errors in the same order), then starts the next window.
 */
class LatencyWindow {
  #groups = new Map<string, LatencyGroup>();
  #records = 0;
  #name = 'current';
  /** The dataset's origin when core passes it with the batch (`jsonl x.jsonl`). */
  #origin = '';
  #latencyPresent = false;
  #groupError: string | undefined;
  #negativeTpot = 0;

  constructor(private readonly o: LatencyOptions, private readonly createCtx: ComponentContext) {}

  get #label(): string {
    return this.#origin ? `dataset "${this.#name}" (${this.#origin})` : `dataset "${this.#name}"`;
  }

  #specs(labels: Record<string, string>): [SummarySpec, SummarySpec, SummarySpec] {
    const o = this.o;
    const common = { quantiles: o.quantiles, mode: o.mode, sketchK: o.sketchK, labels } as const;
    return [
      { ...common, name: 'gen_ai.client.operation.duration', unit: 's', what: 'end-to-end request duration', buckets: o.histogram ? (o.durationBuckets ?? DURATION_BUCKETS) : undefined },
      { ...common, name: 'gen_ai.server.time_to_first_token', unit: 's', what: 'time to first token', buckets: o.histogram ? (o.ttftBuckets ?? TTFT_BUCKETS) : undefined },
      { ...common, name: 'gen_ai.server.time_per_output_token', unit: 's', what: 'time per output token after the first', buckets: o.histogram ? (o.tpotBuckets ?? TPOT_BUCKETS) : undefined },
    ];
  }

  #group(key: string, ctx: Pick<ComponentContext, 'rng'>): LatencyGroup {
    let group = this.#groups.get(key);
    if (!group) {
      const labels: Record<string, string> = this.o.groupBy ? { [groupLabel(this.o.groupBy)]: key } : {};
      const specs = this.#specs(labels);
      group = { labels, series: [new SummaryAccumulator(specs[0], ctx), new SummaryAccumulator(specs[1], ctx), new SummaryAccumulator(specs[2], ctx)] };
      this.#groups.set(key, group);
    }
    return group;
  }

  add(batch: RecordBatch, ctx: ComponentContext): void {
    const o = this.o;
    const scale = o.fieldUnit === 's' ? 1 : 1e-3;
    this.#name = batch.dataset;
    const origin = (batch as { origin?: unknown }).origin;
    this.#origin = typeof origin === 'string' ? origin : '';
    for (const record of batch.records) {
      const i = this.#records++;
      const where = () => `${this.#label}, record ${i + 1}`;
      const latencyRaw = getField(record, o.field);
      if (latencyRaw !== undefined && latencyRaw !== null && latencyRaw !== '') this.#latencyPresent = true;
      let key = '';
      if (o.groupBy) {
        const raw = getField(record, o.groupBy);
        if (raw !== null && typeof raw === 'object') {
          this.#groupError ??= `${where()}: groupBy field "${o.groupBy}" is an object or array; group by a field holding a string or number`;
          continue;
        }
        key = raw === undefined || raw === null || raw === '' ? 'unknown' : String(raw);
      }
      const group = this.#group(key, ctx);
      if (group.error !== undefined) continue;
      try {
        const latencyValue = nonNegativeIn(record, o.field, where);
        if (latencyValue !== undefined) group.series[0].add(latencyValue * scale);
        if (isFailed(getField(record, o.errorField))) continue;
        const ttft = nonNegativeIn(record, o.ttftField, where);
        if (ttft === undefined) continue;
        group.series[1].add(ttft * scale);
        const outputTokens = nonNegativeIn(record, o.outputTokensField, where);
        if (latencyValue === undefined || outputTokens === undefined || outputTokens <= 1) continue;
        const tpot = ((latencyValue - ttft) * scale) / (outputTokens - 1);
        if (tpot < 0) this.#negativeTpot++;
        else group.series[2].add(tpot);
      } catch (error) {
        group.error = (error as Error).message;
      }
    }
  }

  compute(ctx: ComponentContext): MetricValue[] {
    try {
      const o = this.o;
      if (!this.#latencyPresent) {
        throw new DataError(`${this.#label}: field "${o.field}" is missing in every one of its ${this.#records} records; set the latency metric's \`field\` option to the field holding end-to-end latency`);
      }
      if (this.#groupError !== undefined) throw new DataError(this.#groupError);
      const out: MetricValue[] = [];
      let negativeTpot = this.#negativeTpot;
      for (const key of [...this.#groups.keys()].sort()) {
        const group = this.#groups.get(key)!;
        if (group.error !== undefined) throw new DataError(group.error);
        const specs = this.#specs(group.labels);
        group.series.forEach((series, k) => out.push(...series.summarize(specs[k]!)));
      }
      if (negativeTpot > 0) {
        ctx.logger.warn(`latency: ${negativeTpot} record(s) of dataset "${this.#name}" have ${o.ttftField} > ${o.field}; left out of time per output token`);
        negativeTpot = 0;
      }
      return out;
    } finally {
      this.#groups = new Map();
      this.#records = 0;
      this.#latencyPresent = false;
      this.#groupError = undefined;
      this.#negativeTpot = 0;
    }
  }

  snapshot(): unknown {
    return {
      version: 1, records: this.#records, name: this.#name, origin: this.#origin, latencyPresent: this.#latencyPresent, groupError: this.#groupError ?? null, negativeTpot: this.#negativeTpot,
      groups: [...this.#groups].map(([key, g]) => ({ key, error: g.error ?? null, series: g.series.map((x) => x.snapshot()) })),
    };
  }

  restore(state: unknown): void {
    const st = state as { version?: number; records: number; name: string; origin?: string; latencyPresent: boolean; groupError: string | null; negativeTpot: number; groups: { key: string; error: string | null; series: StateDump[] }[] };
    if (st?.version !== 1) throw new DataError(`latency: cannot restore ${describeValue(state, 40)}: not a snapshot taken by this version of the latency metric`);
    this.#groups = new Map();
    for (const g of st.groups) {
      const group = this.#group(g.key, this.createCtx);
      if (g.error !== null) group.error = g.error;
      group.series.forEach((x, k) => x.restore(g.series[k]!));
    }
    this.#records = st.records;
    this.#name = st.name;
    this.#origin = st.origin ?? '';
    this.#latencyPresent = st.latencyPresent;
    this.#groupError = st.groupError ?? undefined;
    this.#negativeTpot = st.negativeTpot;
  }
}
