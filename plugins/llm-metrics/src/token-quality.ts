import { DataError, defineMetric, describeValue, getField, type Dataset, type MetricValue } from '@vigia/core';
import { fieldPresent, groupByOption, groupRecords, summarize } from './common.js';

interface TokenLogprobs {
  logprobs: number[];
  /** Per position, the top-k alternatives' logprobs (possibly absent). */
  top?: (number[] | undefined)[];
}

function fail(dataset: Dataset, i: number, field: string, what: string): never {
  throw new DataError(`dataset "${dataset.name}" (${dataset.origin}), record ${i + 1}: field "${field}" ${what}`);
}

function checkLogprob(dataset: Dataset, i: number, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v > 1e-6) {
    fail(dataset, i, field, `holds ${describeValue(v)}; log-probabilities must be finite numbers ≤ 0`);
  }
  return Math.min(v, 0);
}

function readAlternatives(dataset: Dataset, i: number, field: string, raw: unknown): number[] {
  if (!Array.isArray(raw)) fail(dataset, i, field, 'must hold, per token, an array of {token, logprob} alternatives');
  return raw.map((alt) => checkLogprob(dataset, i, field, typeof alt === 'number' ? alt : (alt as { logprob?: unknown } | null)?.logprob));
}

/**
 * Per-token logprobs of a record, from either shape:
 * - `logprobs: number[]` with optional `top_logprobs: [{token, logprob}][]` (one list per token);
 * - the OpenAI chat shape `logprobs: { content: [{ token, logprob, top_logprobs: [{token, logprob}] }] }`.
 */
function readTokenLogprobs(dataset: Dataset, i: number, field: string, topField: string): TokenLogprobs | undefined {
  const record = dataset.records[i]!;
  const raw = getField(record, field);
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) {
    const logprobs = raw.map((v) => checkLogprob(dataset, i, field, v));
    const topRaw = getField(record, topField);
    if (topRaw === undefined || topRaw === null) return { logprobs };
    if (!Array.isArray(topRaw)) fail(dataset, i, topField, 'must be an array with one list of {token, logprob} per output token');
    if (topRaw.length !== logprobs.length) fail(dataset, i, topField, `has ${topRaw.length} positions but "${field}" has ${logprobs.length}; they must match`);
    return { logprobs, top: topRaw.map((alts) => (alts === null || alts === undefined ? undefined : readAlternatives(dataset, i, topField, alts))) };
  }
  if (typeof raw === 'object' && Array.isArray((raw as { content?: unknown }).content)) {
    const content = (raw as { content: unknown[] }).content;
    const logprobs: number[] = [];
    const top: (number[] | undefined)[] = [];
    for (const entry of content) {
      const e = entry as { logprob?: unknown; top_logprobs?: unknown } | null;
      logprobs.push(checkLogprob(dataset, i, `${field}.content[].logprob`, e?.logprob));
      top.push(e?.top_logprobs ? readAlternatives(dataset, i, `${field}.content[].top_logprobs`, e.top_logprobs) : undefined);
    }
    return { logprobs, top: top.some((t) => t) ? top : undefined };
  }
  return fail(dataset, i, field, 'must be an array of per-token log-probabilities or an OpenAI-style { content: [{ token, logprob, top_logprobs }] }');
}

/** Entropy in bits of the top-k alternatives renormalised to sum to 1 (a lower bound-like proxy of the full entropy). */
export function topKEntropyBits(logprobs: readonly number[]): number {
  if (logprobs.length === 0) return NaN;
  let max = -Infinity;
  for (const lp of logprobs) if (lp > max) max = lp;
  let z = 0;
  for (const lp of logprobs) z += Math.exp(lp - max);
  let h = 0;
  for (const lp of logprobs) {
    const p = Math.exp(lp - max) / z;
    if (p > 0) h -= p * Math.log2(p);
  }
  return h;
}

/** Confidence of generated tokens from their log-probabilities. */
export const tokenQuality = defineMetric({
  description: 'Mean token logprob, perplexity, share of low-confidence tokens and (given top-k alternatives) mean entropy of the next-token distribution.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      logprobsField: { type: 'string', default: 'logprobs', description: 'Per-output-token natural-log probabilities: number[] or OpenAI { content: [{ logprob, top_logprobs }] }.' },
      topLogprobsField: { type: 'string', default: 'top_logprobs', description: 'Per token, the top-k alternatives [{ token, logprob }, …] (one list per output token), for entropy.' },
      threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.5, description: 'A token is low-confidence when its probability exp(logprob) is below this.' },
      quantiles: { type: 'array', items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, minItems: 1, default: [0.5, 0.9], description: 'Quantiles of per-response perplexity to report.' },
      groupBy: groupByOption,
    },
  },
  example: { threshold: 0.5 },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.logprobsField, options.topLogprobsField, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options) => ({
    compute({ dataset }, ctx) {
      if (!fieldPresent(dataset, options.logprobsField)) {
        throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${options.logprobsField}" is missing in every record; log the per-token logprobs or set \`logprobsField\``);
      }
      const lowLogprob = Math.log(options.threshold);
      const out: MetricValue[] = [];
      for (const group of groupRecords(dataset, options.groupBy)) {
        let tokens = 0;
        let sumLogprob = 0;
        let low = 0;
        let entropySum = 0;
        let entropyPositions = 0;
        let responses = 0;
        const perplexities: number[] = [];
        for (const i of group.indices) {
          const entry = readTokenLogprobs(dataset, i, options.logprobsField, options.topLogprobsField);
          if (!entry || entry.logprobs.length === 0) continue;
          responses++;
          let responseSum = 0;
          for (const lp of entry.logprobs) {
            responseSum += lp;
            if (lp < lowLogprob) low++;
          }
          tokens += entry.logprobs.length;
          sumLogprob += responseSum;
          perplexities.push(Math.exp(-responseSum / entry.logprobs.length));
          for (const alternatives of entry.top ?? []) {
            if (!alternatives || alternatives.length === 0) continue;
            entropySum += topKEntropyBits(alternatives);
            entropyPositions++;
          }
        }
        if (tokens === 0) continue;
        const labels = group.labels;
        const meanLogprob = sumLogprob / tokens;
        out.push({ name: 'vigia.token_quality.mean_logprob', value: meanLogprob, unit: '1', labels: { ...labels }, description: `mean natural-log probability over ${tokens} tokens of ${responses} responses` });
        out.push({ name: 'vigia.token_quality.perplexity', value: Math.exp(-meanLogprob), unit: '1', labels: { ...labels }, description: 'token-weighted perplexity exp(−mean logprob) over all tokens' });
        out.push({ name: 'vigia.token_quality.low_confidence_share', value: low / tokens, unit: '1', labels: { ...labels }, description: `share of tokens with probability < ${options.threshold}` });
        out.push({ name: 'vigia.token_quality.tokens', value: tokens, unit: '{token}', kind: 'counter', labels: { ...labels }, description: 'tokens with a logprob' });
        out.push(...summarize(Float64Array.from(perplexities), {
          name: 'vigia.token_quality.response_perplexity', unit: '1', what: 'per-response perplexity', labels, quantiles: options.quantiles, mode: 'exact', sketchK: 200,
        }, ctx));
        if (entropyPositions > 0) {
          out.push({ name: 'vigia.token_quality.entropy', value: entropySum / entropyPositions, unit: 'bit', labels: { ...labels }, description: `mean entropy (bits) of the renormalised top-k alternatives over ${entropyPositions} token positions` });
        }
      }
      return out;
    },
  }),
});
