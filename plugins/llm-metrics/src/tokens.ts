import { ConfigError, DataError, defineMetric, getField, type MetricValue } from '@vigia/core';
import {
  bucketProblem, checkBuckets, fieldPresent, groupByOption, groupRecords, MODEL_LABEL, modeOption, quantilesOption, readNonNegative, sketchKOption, summarize,
} from './common.js';

/** OTel GenAI advisory bucket boundaries for gen_ai.client.token.usage. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

const PRICE_DIVISOR = { per_1k: 1_000, per_1m: 1_000_000 } as const;

/** Input and output token distributions and totals, and the cost of the requests from a price table. */
export const tokens = defineMetric({
  description: 'Input/output token distributions (gen_ai.client.token.usage), totals, and optional cost from a per-model price table.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      inputField: { type: 'string', default: 'input_tokens', description: 'Input (prompt) token count field.' },
      outputField: { type: 'string', default: 'output_tokens', description: 'Output (completion) token count field.' },
      quantiles: quantilesOption,
      mode: modeOption,
      sketchK: sketchKOption,
      histogram: { type: 'boolean', default: true, description: 'Also emit gen_ai.client.token.usage as a `histogram` value per token type.' },
      buckets: { type: 'array', items: { type: 'number' }, minItems: 1, description: 'Histogram bucket upper bounds in tokens (default: the OTel GenAI advisory boundaries 1, 4, 16, … 67108864).' },
      groupBy: groupByOption,
      modelField: { type: 'string', default: 'model', description: 'Field naming the model, to look prices up.' },
      prices: {
        type: 'object',
        description: 'Price table by model name: { <model>: { input, output } }, in `currency` per `priceUnit` tokens.',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['input', 'output'],
          properties: {
            input: { type: 'number', minimum: 0, description: 'Price of input tokens per priceUnit.' },
            output: { type: 'number', minimum: 0, description: 'Price of output tokens per priceUnit.' },
          },
        },
      },
      priceUnit: { enum: ['per_1k', 'per_1m'], default: 'per_1m', description: 'Prices are per 1,000 (`per_1k`) or per 1,000,000 (`per_1m`) tokens.' },
      currency: { type: 'string', pattern: '^[A-Za-z]{1,8}$', default: 'USD', description: 'Currency code of the prices; cost values have unit `{<currency>}`.' },
    },
  },
  example: { groupBy: 'model', prices: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } }, priceUnit: 'per_1m' },
  check: (options) => [
    bucketProblem('buckets', options.buckets),
    options.prices && Object.keys(options.prices).length === 0 ? '/prices is empty; give at least one model or remove it' : undefined,
  ].filter((p): p is string => p !== undefined),
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.inputField, options.outputField, options.prices ? options.modelField : undefined, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options) => {
    checkBuckets('buckets', options.buckets);
    return {
      compute({ dataset }, ctx) {
        const hasInput = fieldPresent(dataset, options.inputField);
        const hasOutput = fieldPresent(dataset, options.outputField);
        if (!hasInput && !hasOutput) {
          throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): neither "${options.inputField}" nor "${options.outputField}" is present in any record; set the tokens metric's \`inputField\`/\`outputField\``);
        }
        const prices = options.prices as Record<string, { input: number; output: number }> | undefined;
        if (prices && Object.keys(prices).length === 0) throw new ConfigError('VIGIA_CONFIG_INVALID', '/with/prices is empty; give at least one model or remove it');
        if (prices && !fieldPresent(dataset, options.modelField)) {
          throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): prices are configured but field "${options.modelField}" (modelField) is missing in every record`);
        }
        const divisor = PRICE_DIVISOR[options.priceUnit];
        const costUnit = `{${options.currency}}`;
        const out: MetricValue[] = [];
        const unpricedModels = new Set<string>();
        for (const group of groupRecords(dataset, options.groupBy)) {
          const input: number[] = [];
          const output: number[] = [];
          const costByModel = new Map<string, { cost: number; requests: number }>();
          let unpriced = 0;
          for (const i of group.indices) {
            const inTokens = hasInput ? readNonNegative(dataset, i, options.inputField) : undefined;
            const outTokens = hasOutput ? readNonNegative(dataset, i, options.outputField) : undefined;
            if (inTokens !== undefined) input.push(inTokens);
            if (outTokens !== undefined) output.push(outTokens);
            if (!prices) continue;
            const model = String(getField(dataset.records[i]!, options.modelField) ?? '');
            const price = Object.prototype.hasOwnProperty.call(prices, model) ? prices[model] : undefined;
            if (!price) {
              unpriced++;
              unpricedModels.add(model || '(none)');
              continue;
            }
            const entry = costByModel.get(model) ?? { cost: 0, requests: 0 };
            entry.cost += ((inTokens ?? 0) * price.input + (outTokens ?? 0) * price.output) / divisor;
            entry.requests++;
            costByModel.set(model, entry);
          }
          const common = { quantiles: options.quantiles, mode: options.mode, sketchK: options.sketchK, sum: true } as const;
          const buckets = options.histogram ? (options.buckets ?? TOKEN_BUCKETS) : undefined;
          for (const [type, values] of [['input', input], ['output', output]] as const) {
            out.push(...summarize(Float64Array.from(values), {
              ...common, name: 'gen_ai.client.token.usage', unit: '{token}', what: `${type} tokens per request`,
              labels: { ...group.labels, 'gen_ai.token.type': type }, buckets,
            }, ctx));
          }
          if (prices) {
            let total = 0;
            let priced = 0;
            for (const [model, entry] of [...costByModel].sort((a, b) => a[0].localeCompare(b[0]))) {
              total += entry.cost;
              priced += entry.requests;
              out.push({ name: 'vigia.cost', value: entry.cost, unit: costUnit, kind: 'counter', labels: { ...group.labels, [MODEL_LABEL]: model }, description: `cost of ${entry.requests} request(s) to ${model} (prices ${options.priceUnit} tokens)` });
            }
            out.push({ name: 'vigia.cost.total', value: total, unit: costUnit, kind: 'counter', labels: { ...group.labels }, description: `cost of the ${priced} priced request(s)` });
            if (priced > 0) out.push({ name: 'vigia.cost.per_request.mean', value: total / priced, unit: costUnit, labels: { ...group.labels }, description: 'mean cost per priced request' });
            if (unpriced > 0) out.push({ name: 'vigia.cost.unpriced_requests', value: unpriced, unit: '{request}', kind: 'counter', labels: { ...group.labels }, description: 'requests whose model has no entry in prices (not costed)' });
          }
        }
        if (unpricedModels.size > 0) {
          ctx.logger.warn(`tokens: no price for model(s) ${[...unpricedModels].sort().join(', ')} in dataset "${dataset.name}"; those requests are not costed (add them under prices)`);
        }
        return out;
      },
    };
  },
});
