import { availableParallelism } from 'node:os';
import { DataError, defineMetric, type Dataset, type MetricValue } from '@vigia/core';
import { fieldPresent, groupByOption, groupRecords, readNonNegative, summarize } from './common.js';

interface ResourceSpec {
  option: 'cpuField' | 'gpuField' | 'memoryField' | 'gpuMemoryField';
  name: string;
  unit: '1' | 'By';
  what: string;
}

const RESOURCES: readonly ResourceSpec[] = [
  { option: 'cpuField', name: 'system.cpu.utilization', unit: '1', what: 'CPU utilisation' },
  { option: 'gpuField', name: 'hw.gpu.utilization', unit: '1', what: 'GPU utilisation' },
  { option: 'memoryField', name: 'system.memory.usage', unit: 'By', what: 'memory in use' },
  { option: 'gpuMemoryField', name: 'hw.gpu.memory.usage', unit: 'By', what: 'GPU memory in use' },
];

/** The current process's own usage, under OTel process/V8 metric names. */
export function processUsage(): MetricValue[] {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const usage = process.resourceUsage();
  const uptime = process.uptime();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const labels = { 'process.pid': String(process.pid) };
  return [
    { name: 'process.cpu.time', value: cpu.user / 1e6, unit: 's', kind: 'counter', labels: { ...labels, 'cpu.mode': 'user' }, description: 'CPU time of this run\'s process in user mode' },
    { name: 'process.cpu.time', value: cpu.system / 1e6, unit: 's', kind: 'counter', labels: { ...labels, 'cpu.mode': 'system' }, description: 'CPU time of this run\'s process in system mode' },
    { name: 'process.cpu.utilization', value: uptime > 0 ? cpuSeconds / (uptime * availableParallelism()) : 0, unit: '1', labels: { ...labels }, description: `CPU time / (uptime × ${availableParallelism()} logical CPUs) since the process started` },
    { name: 'process.memory.usage', value: memory.rss, unit: 'By', labels: { ...labels }, description: 'resident set size of this run\'s process' },
    { name: 'process.memory.peak', value: usage.maxRSS * 1024, unit: 'By', labels: { ...labels }, description: 'peak resident set size of this run\'s process (getrusage maxrss)' },
    { name: 'v8js.memory.heap.used', value: memory.heapUsed, unit: 'By', labels: { ...labels }, description: 'V8 heap in use' },
    { name: 'process.uptime', value: uptime, unit: 's', labels: { ...labels }, description: 'seconds since this run\'s process started' },
  ];
}

/**
 * CPU, GPU and memory utilisation from record fields or from a separate dataset of samples a user
 * logged, plus the run's own process usage.
 */
export const resources = defineMetric({
  description: 'CPU/GPU utilisation and memory from record fields or a samples dataset (mean, percentiles, max), plus this run\'s own process CPU and memory.',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      dataset: { type: 'string', description: 'Read samples from this dataset of the run (e.g. `gpu_samples`) instead of the metric\'s dataset.' },
      cpuField: { type: 'string', default: 'cpu_utilization', description: 'CPU utilisation field (see utilizationScale).' },
      gpuField: { type: 'string', default: 'gpu_utilization', description: 'GPU utilisation field (see utilizationScale).' },
      memoryField: { type: 'string', default: 'memory_bytes', description: 'Memory in use, bytes.' },
      gpuMemoryField: { type: 'string', default: 'gpu_memory_bytes', description: 'GPU memory in use, bytes.' },
      utilizationScale: { enum: ['fraction', 'percent'], default: 'fraction', description: 'Utilisation fields hold fractions 0–1 or percentages 0–100; reported as fractions (unit 1).' },
      quantiles: { type: 'array', items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, minItems: 1, default: [0.5, 0.95], description: 'Quantiles to report for each resource.' },
      process: { type: 'boolean', default: true, description: 'Also report this run\'s own process CPU time and memory.' },
      groupBy: groupByOption,
    },
  },
  example: { dataset: 'gpu_samples', gpuField: 'gpu_util', utilizationScale: 'percent' },
  /** The record fields read with these options (of `dataset` when set; core keeps only these when every component declares its fields). */
  fields: (options) => [options.cpuField, options.gpuField, options.memoryField, options.gpuMemoryField, options.groupBy].filter((f): f is string => typeof f === 'string'),
  create: (options) => ({
    compute({ dataset, datasets }, ctx) {
      let source: Dataset = dataset;
      if (options.dataset !== undefined) {
        const named = datasets.get(options.dataset);
        if (!named) {
          throw new DataError(`resources: dataset "${options.dataset}" (option \`dataset\`) is not in this run; define it under data: (datasets: ${[...datasets.keys()].join(', ') || 'none'})`, { code: 'VIGIA_DATA_NOT_FOUND' });
        }
        source = named;
      }
      const present = RESOURCES.filter((r) => fieldPresent(source, options[r.option]));
      if (options.dataset !== undefined && present.length === 0) {
        throw new DataError(`dataset "${source.name}" (${source.origin}): none of the resource fields ${RESOURCES.map((r) => `"${options[r.option]}"`).join(', ')} is present; set cpuField/gpuField/memoryField/gpuMemoryField`);
      }
      const out: MetricValue[] = [];
      if (present.length > 0) {
        const percent = options.utilizationScale === 'percent';
        for (const group of groupRecords(source, options.groupBy)) {
          for (const r of present) {
            const field = options[r.option];
            const values: number[] = [];
            for (const i of group.indices) {
              const v = readNonNegative(source, i, field);
              if (v === undefined) continue;
              const scaled = r.unit === '1' && percent ? v / 100 : v;
              if (r.unit === '1' && scaled > 1 + 1e-9) {
                throw new DataError(`dataset "${source.name}" (${source.origin}), record ${i + 1}: field "${field}" is ${v}, above 100%; set utilizationScale: ${percent ? 'fraction' : 'percent'} if the field holds ${percent ? 'fractions' : 'percentages'}`);
              }
              values.push(scaled);
            }
            out.push(...summarize(Float64Array.from(values), {
              name: r.name, unit: r.unit, what: `${r.what} (${field} of ${source.name})`, labels: group.labels, quantiles: options.quantiles, mode: 'exact', sketchK: 200,
            }, ctx));
          }
        }
      }
      if (options.process) out.push(...processUsage());
      return out;
    },
  }),
});
