/**
 * Running a freshly created component on whole datasets, whatever its shape (batch or stateful).
 * Shared by the engine's component runner, the worker thread and @vigia/testing.
 */
import type { ComponentContext, DetectorOutcome, Dataset, Detector, DetectorInput, Metric, MetricInput, MetricValue, StatefulDetector, StatefulMetric, WindowInfo } from './contracts.js';

/** One window over everything, for components run outside a windowed session. */
export function wholeWindow(current: Dataset): WindowInfo {
  return { index: 0, start: null, end: null, partial: false, records: current.records.length };
}

/**
 * Evaluate a freshly created detector on whole datasets: a batch detector directly; a stateful
 * one by feeding it the reference, then the current records, then asking for the window's result.
 */
export async function evaluateDetectorOnce(detector: Detector | StatefulDetector, input: DetectorInput, ctx: ComponentContext, window?: WindowInfo): Promise<DetectorOutcome> {
  if (!isStateful(detector)) return detector.evaluate(input, ctx);
  const stateful = detector as StatefulDetector;
  const batch = (d: Dataset, role: 'reference' | 'current') => ({ dataset: d.name, role, records: d.records, origin: d.origin, ...(d.fieldNames ? { fieldNames: d.fieldNames } : {}) });
  if (input.reference) await stateful.update(batch(input.reference, 'reference'), ctx);
  await stateful.update(batch(input.current, 'current'), ctx);
  return stateful.evaluate({ window: window ?? wholeWindow(input.current) }, ctx);
}

/** As {@link evaluateDetectorOnce}, for metrics. */
export async function computeMetricOnce(metric: Metric | StatefulMetric, input: MetricInput, ctx: ComponentContext, window?: WindowInfo): Promise<MetricValue[]> {
  if (!isStateful(metric)) return metric.compute(input, ctx);
  const stateful = metric as StatefulMetric;
  await stateful.update({ dataset: input.dataset.name, role: 'current', records: input.dataset.records, origin: input.dataset.origin }, ctx);
  return stateful.compute({ window: window ?? wholeWindow(input.dataset) }, ctx);
}


/** Whether a component instance is stateful (has `update`). */
export function isStateful<T extends object>(instance: T): instance is Extract<T, { update: unknown }> {
  return typeof (instance as { update?: unknown }).update === 'function';
}
