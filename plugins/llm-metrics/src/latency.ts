import { DataError, defineMetric, getField, type MetricValue } from '@vigia/core';
import {
  bucketProblem, checkBuckets, fieldPresent, groupByOption, groupRecords, modeOption, quantilesOption, readNonNegative, sketchKOption, summarize,
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
  create: (options) => {
    checkBuckets('durationBuckets', options.durationBuckets);
    checkBuckets('ttftBuckets', options.ttftBuckets);
    checkBuckets('tpotBuckets', options.tpotBuckets);
    return { compute({ dataset }, ctx) {
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
    } };
  },
});
