import type { Attributes } from '@opentelemetry/api';

/** OpenTelemetry SeverityNumber values (kept as numbers so this module loads no SDK code). */
const SeverityNumber = { INFO: 9, WARN: 13, ERROR: 17 } as const;
type SeverityNumber = (typeof SeverityNumber)[keyof typeof SeverityNumber];
import type { DetectorReport, Report } from '@vigia/core';

/**
 * Each detector result as an OpenTelemetry `gen_ai.evaluation.result` event (a log record with
 * that event name), with the GenAI conventions' evaluation attributes and Vigia's own under
 * `vigia.*`.
 */
export const EVALUATION_EVENT = 'gen_ai.evaluation.result';

export interface EvaluationEvent {
  eventName: string;
  severityNumber: SeverityNumber;
  severityText: string;
  attributes: Attributes;
}

const SEVERITY: Record<DetectorReport['status'], [SeverityNumber, string]> = {
  pass: [SeverityNumber.INFO, 'INFO'],
  warn: [SeverityNumber.WARN, 'WARN'],
  fail: [SeverityNumber.ERROR, 'ERROR'],
  error: [SeverityNumber.ERROR, 'ERROR'],
};

/** The response a result scores, when its details name one (`responseId` or `response.id`). */
function responseId(d: DetectorReport): string | undefined {
  const det = d.details as Record<string, unknown> | undefined;
  const v = det?.responseId ?? (det?.response as Record<string, unknown> | undefined)?.id;
  return typeof v === 'string' && v ? v : undefined;
}

export function evaluationEvent(d: DetectorReport, report: Pick<Report, 'name'>): EvaluationEvent {
  const attributes: Attributes = {
    'gen_ai.evaluation.name': d.id,
    'gen_ai.evaluation.score.label': d.status,
    'gen_ai.evaluation.explanation': d.message,
    'vigia.component': d.use,
    'vigia.config': report.name,
    'vigia.duration_ms': d.durationMs,
  };
  if (typeof d.statistic === 'number' && Number.isFinite(d.statistic)) attributes['gen_ai.evaluation.score.value'] = d.statistic;
  if (typeof d.pValue === 'number') attributes['vigia.p_value'] = d.pValue;
  if (typeof d.pValueAdjusted === 'number') attributes['vigia.p_value_adjusted'] = d.pValueAdjusted;
  if (typeof d.threshold === 'number') attributes['vigia.threshold'] = d.threshold;
  const id = responseId(d);
  if (id) attributes['gen_ai.response.id'] = id;
  const [severityNumber, severityText] = SEVERITY[d.status] ?? SEVERITY.error;
  return { eventName: EVALUATION_EVENT, severityNumber, severityText, attributes };
}
