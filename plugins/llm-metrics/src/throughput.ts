import { ConfigError, DataError, defineMetric, parseDuration, type MetricValue } from '@vigia/core';
import { sortedCopy, sortedQuantiles } from '@vigia/stats';
import { fieldPresent, groupByOption, groupRecords, parseWindow, readNonNegative, readTimestamp } from './common.js';

/**
 * Requests per second and output tokens per second over fixed time windows. Windows are aligned to
 * multiples of the window length since the Unix epoch (so windows line up across datasets and
 * groups) and span the whole dataset; a window with no request counts as rate 0. The summary
 * (mean, p95, max over windows) uses complete windows only, i.e. those lying wholly between the
 * dataset's first and last timestamp; the per-window series has every window, the partial edge
 * windows labelled `partial: "true"` (their rate is still count / window length).
 */
export const throughput = defineMetric({
  description: 'Requests/s and output tokens/s per time window from record timestamps: summary over windows (mean, p95, max) and the per-window series.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      timestampField: { type: 'string', default: 'timestamp', description: 'Request start time: ISO 8601 string or epoch milliseconds.' },
      outputTokensField: { type: 'string', default: 'output_tokens', description: 'Output token count; output tokens/s is left out when no record has it.' },
      window: { type: 'string', pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$', default: '1m', description: 'Window length: 500ms, 30s, 1m, 1h, 1d.' },
      series: { type: 'boolean', default: true, description: 'Also emit one value per window (label `window_start`, ISO 8601).' },
      maxWindows: { type: 'integer', minimum: 1, maximum: 1000000, default: 100000, description: 'Refuse to make more windows than this (guards against a tiny window over a long span); at most 1,000,000 (with `series`, each window is a metric value held in memory: about 1.4 GB at the maximum).' },
      groupBy: groupByOption,
    },
  },
  example: { window: '1m', groupBy: 'model' },
  check: (options) => (Number.isNaN(parseDuration(options.window)) ? `/window "${options.window}" is not a window length: give a positive whole number of milliseconds with a unit, e.g. 500ms, 30s, 1m, 1h` : undefined),
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.timestampField, options.outputTokensField, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options) => {
    const windowMs = parseWindow(options.window);
    return {
      compute({ dataset }, ctx) {
        const n = dataset.records.length;
        const times = new Float64Array(n).fill(NaN);
        let tMin = Infinity;
        let tMax = -Infinity;
        let missing = 0;
        for (let i = 0; i < n; i++) {
          const t = readTimestamp(dataset, i, options.timestampField);
          if (t === undefined) { missing++; continue; }
          times[i] = t;
          if (t < tMin) tMin = t;
          if (t > tMax) tMax = t;
        }
        if (!(tMax >= tMin)) {
          throw new DataError(`dataset "${dataset.name}" (${dataset.origin}): field "${options.timestampField}" is missing in every record; set the throughput metric's \`timestampField\``);
        }
        if (missing > 0) ctx.logger.warn(`throughput: ${missing} record(s) of dataset "${dataset.name}" have no ${options.timestampField}; left out`);
        const withTokens = fieldPresent(dataset, options.outputTokensField);
        const first = Math.floor(tMin / windowMs);
        const last = Math.floor(tMax / windowMs);
        const windows = last - first + 1;
        if (windows > options.maxWindows) {
          throw new ConfigError('VIGIA_CONFIG_INVALID', `throughput: window ${options.window} cuts the data span of ${((tMax - tMin) / 1000).toFixed(0)} s into ${windows} windows (maxWindows ${options.maxWindows}); use a longer window`);
        }
        const seconds = windowMs / 1000;
        const complete = (w: number) => (first + w) * windowMs >= tMin && (first + w + 1) * windowMs <= tMax;
        const spanSeconds = (tMax - tMin) / 1000;
        const out: MetricValue[] = [];
        for (const group of groupRecords(dataset, options.groupBy)) {
          const requests = new Float64Array(windows);
          const tokens = new Float64Array(windows);
          let totalRequests = 0;
          let totalTokens = 0;
          for (const i of group.indices) {
            const t = times[i]!;
            if (t !== t) continue;
            const w = Math.floor(t / windowMs) - first;
            requests[w]!++;
            totalRequests++;
            if (withTokens) {
              const k = readNonNegative(dataset, i, options.outputTokensField) ?? 0;
              tokens[w]! += k;
              totalTokens += k;
            }
          }
          const rates = [
            { name: 'vigia.throughput.requests', unit: '{request}/s', what: 'requests per second', counts: requests, total: totalRequests },
            ...(withTokens ? [{ name: 'vigia.throughput.output_tokens', unit: '{token}/s', what: 'output tokens per second', counts: tokens, total: totalTokens }] : []),
          ];
          for (const rate of rates) {
            const full: number[] = [];
            for (let w = 0; w < windows; w++) if (complete(w)) full.push(rate.counts[w]! / seconds);
            const labels = group.labels;
            if (spanSeconds > 0) {
              out.push({ name: `${rate.name}.overall`, value: rate.total / spanSeconds, unit: rate.unit, labels: { ...labels }, description: `${rate.what} over the whole span (${spanSeconds.toFixed(1)} s from first to last timestamp)` });
            }
            if (full.length > 0) {
              const sorted = sortedCopy(full);
              const [p95] = sortedQuantiles(sorted, [0.95]);
              const mean = full.reduce((a, b) => a + b, 0) / full.length;
              const note = `over ${full.length} complete ${options.window} window(s)`;
              out.push({ name: `${rate.name}.mean`, value: mean, unit: rate.unit, labels: { ...labels }, description: `mean ${rate.what} ${note}` });
              out.push({ name: `${rate.name}.p95`, value: p95!, unit: rate.unit, labels: { ...labels }, description: `95th percentile (type 7) of ${rate.what} ${note}` });
              out.push({ name: `${rate.name}.max`, value: sorted[sorted.length - 1]!, unit: rate.unit, labels: { ...labels }, description: `maximum ${rate.what} ${note}` });
            }
            if (options.series) {
              for (let w = 0; w < windows; w++) {
                const start = new Date((first + w) * windowMs).toISOString();
                const windowLabels: Record<string, string> = { ...labels, window_start: start };
                if (!complete(w)) windowLabels.partial = 'true';
                out.push({ name: rate.name, value: rate.counts[w]! / seconds, unit: rate.unit, labels: windowLabels, description: `${rate.what} in the ${options.window} window starting ${start}` });
              }
            }
          }
        }
        if (!out.some((v) => v.name.endsWith('.mean'))) {
          ctx.logger.warn(`throughput: dataset "${dataset.name}" spans ${spanSeconds.toFixed(1)} s, less than one complete ${options.window} window; only the overall rate is reported`);
        }
        return out;
      },
    };
  },
});
