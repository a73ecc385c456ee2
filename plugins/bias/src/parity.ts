/**
 * group-parity: logged yes/no outcomes by group, measured as fairlearn defines them
 * (fairlearn.metrics: selection_rate, demographic_parity_difference / _ratio with
 * method='between_groups', equalized_odds_difference), with a chi-square test of independence.
 */
import { DataError, defineDetector, describeValue, getField, type DetectorResult, type VigiaRecord } from '@vigia/core';
import { chiSquareContingency, clipPValue } from '@vigia/stats';
import { fmt } from './format.js';

const YES = new Set(['1', 'true', 'yes', 'y', 't', 'positive', 'pos']);
const NO = new Set(['0', 'false', 'no', 'n', 'f', 'negative', 'neg']);

/** 1 / 0 for a yes/no value, or undefined when absent; a value that is neither throws via `bad`. */
export function parseOutcome(raw: unknown, positive: string | undefined, bad: (raw: unknown) => never): 0 | 1 | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (positive !== undefined) return String(raw) === positive ? 1 : 0;
  if (raw === true || raw === 1) return 1;
  if (raw === false || raw === 0) return 0;
  if (typeof raw === 'string') {
    const t = raw.trim().toLowerCase();
    if (YES.has(t)) return 1;
    if (NO.has(t)) return 0;
  }
  return bad(raw);
}

export interface GroupStats {
  group: string;
  n: number;
  selectionRate: number;
  tpr?: number | null;
  fpr?: number | null;
  /** The group's attribute values (intersectional slices). */
  values?: Record<string, string>;
}

interface Tally { n: number; selected: number; tp: number; fn: number; fp: number; tn: number; values: Record<string, string> }

/** max − min over groups of the defined values (fairlearn's between_groups difference). */
const spread = (xs: (number | null | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number' && !Number.isNaN(x));
  return v.length < 2 ? null : Math.max(...v) - Math.min(...v);
};

export const groupParity = defineDetector({
  description:
    'Measures logged yes/no outcomes by group as fairlearn defines them: selection rate per group, demographic parity difference and ratio (four-fifths rule), a chi-square test of independence and, with labels, true/false-positive-rate gaps and the equalized odds difference. Intersectional slices with two group fields.',
  options: {
    type: 'object',
    properties: {
      outcomeField: { type: 'string', minLength: 1, description: 'Field with the yes/no outcome (true/false, 1/0, yes/no; or anything, with positiveValue).' },
      groupField: {
        anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 2 }],
        description: 'Field with the group attribute, or a list of two fields for intersectional slices (e.g. [gender, age_band]).',
      },
      labelField: { type: 'string', description: 'Field with the true yes/no label; adds per-group TPR and FPR and the equalized odds difference.' },
      positiveValue: { type: 'string', description: 'The outcome (and label) value that counts as yes, compared as text; every other value is no. Default: true/1/yes are yes, false/0/no are no, anything else is an error.' },
      minGroupSize: { type: 'integer', minimum: 1, default: 30, description: 'Groups (slices) with fewer records are reported in details.tooSmall and left out of the rates, gaps and test.' },
      threshold: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.05, description: 'Significance level alpha of the chi-square test of independence between group and outcome.' },
      minEffect: { type: 'number', minimum: 0, maximum: 1, description: 'Smallest demographic parity difference that fails; a significant but smaller difference warns.' },
      fourFifths: { type: 'string', enum: ['report', 'fail'], default: 'report', description: '`fail` also fails the check when the disparate impact ratio is below 0.8 (the four-fifths rule), whatever the test says; `report` only reports it.' },
    },
    required: ['outcomeField', 'groupField'],
    additionalProperties: false,
  },
  example: { outcomeField: 'approved', groupField: ['gender', 'age_band'], labelField: 'repaid', minGroupSize: 30 },
  /** The record fields read with these options (core keeps only these when every component declares its fields). */
  fields: (options) => [options.outcomeField, ...(Array.isArray(options.groupField) ? options.groupField : [options.groupField]), options.labelField].filter((f): f is string => typeof f === 'string'),
  create(options) {
    const fields = Array.isArray(options.groupField) ? options.groupField : [options.groupField];
    return {
      evaluate({ current }): DetectorResult {
        const where = `dataset "${current.name}" (${current.origin})`;
        if (current.records.length === 0) throw new DataError(`${where} is empty; group-parity needs records with an outcome and a group`);
        const tallies = new Map<string, Tally>();
        const skipped = { missingOutcome: 0, missingGroup: 0, missingLabel: 0 };
        const badValue = (field: string, i: number) => (raw: unknown): never => {
          throw new DataError(`${where}, record ${i + 1}: ${field} is ${describeValue(raw)}, not a yes/no value (true/false, 1/0, yes/no); set positiveValue to the value that means yes`);
        };
        current.records.forEach((record: VigiaRecord, i) => {
          const outcome = parseOutcome(getField(record, options.outcomeField), options.positiveValue, badValue(`outcome field "${options.outcomeField}"`, i));
          if (outcome === undefined) { skipped.missingOutcome++; return; }
          const values: Record<string, string> = {};
          for (const f of fields) {
            const v = getField(record, f);
            if (v === undefined || v === null || v === '') { skipped.missingGroup++; return; }
            if (typeof v === 'object') throw new DataError(`${where}, record ${i + 1}: group field "${f}" is an object or list, not a group name`);
            values[f] = String(v);
          }
          let label: 0 | 1 | undefined;
          if (options.labelField) {
            label = parseOutcome(getField(record, options.labelField), options.positiveValue, badValue(`label field "${options.labelField}"`, i));
            if (label === undefined) { skipped.missingLabel++; return; }
          }
          const key = fields.map((f) => values[f]).join(' × ');
          let t = tallies.get(key);
          if (!t) tallies.set(key, (t = { n: 0, selected: 0, tp: 0, fn: 0, fp: 0, tn: 0, values }));
          t.n++;
          t.selected += outcome;
          if (label !== undefined) {
            if (label === 1) { if (outcome) t.tp++; else t.fn++; } else if (outcome) t.fp++; else t.tn++;
          }
        });
        if (tallies.size === 0) {
          const what = skipped.missingOutcome === current.records.length ? `outcome field "${options.outcomeField}"` : skipped.missingGroup ? `group field ${fields.map((f) => `"${f}"`).join(' and ')}` : `label field "${options.labelField}"`;
          throw new DataError(`${where}: no record has ${what}; check the field name (dotted paths like attributes.x work)`);
        }
        const all = [...tallies.entries()].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]));
        const big = all.filter(([, t]) => t.n >= options.minGroupSize);
        const tooSmall = all.filter(([, t]) => t.n < options.minGroupSize).map(([group, t]) => ({ group, n: t.n, ...(fields.length > 1 ? { values: t.values } : {}) }));
        const withLabels = options.labelField !== undefined;
        const groups: GroupStats[] = big.map(([group, t]) => ({
          group,
          n: t.n,
          selectionRate: t.selected / t.n,
          ...(withLabels ? { tpr: t.tp + t.fn ? t.tp / (t.tp + t.fn) : null, fpr: t.fp + t.tn ? t.fp / (t.fp + t.tn) : null } : {}),
          ...(fields.length > 1 ? { values: t.values } : {}),
        }));
        const skippedTotal = skipped.missingOutcome + skipped.missingGroup + skipped.missingLabel;
        const base = { groups, tooSmall, skipped, groupFields: fields, minGroupSize: options.minGroupSize };
        if (groups.length < 2) {
          throw new DataError(`${where}: ${groups.length === 0 ? 'no group has' : 'only one group has'} ${options.minGroupSize} or more records (minGroupSize), so there is nothing to compare (groups: ${all.slice(0, 8).map(([g, t]) => `${g}: ${t.n}`).join(', ')}${all.length > 8 ? ', …' : ''}); lower minGroupSize or collect more data`);
        }
        const rates = groups.map((g) => g.selectionRate);
        const maxRate = Math.max(...rates), minRate = Math.min(...rates);
        const dpd = maxRate - minRate;
        const ratio = maxRate > 0 ? minRate / maxRate : 1;
        const chi = chiSquareContingency(big.map(([, t]) => [t.selected, t.n - t.selected]));
        const tprGap = withLabels ? spread(groups.map((g) => g.tpr)) : null;
        const fprGap = withLabels ? spread(groups.map((g) => g.fpr)) : null;
        const eod = withLabels ? (tprGap === null && fprGap === null ? null : Math.max(tprGap ?? 0, fprGap ?? 0)) : undefined;
        const pValue = clipPValue(chi.pValue);
        const significant = pValue < options.threshold;
        const effectOk = options.minEffect === undefined || dpd >= options.minEffect;
        const fourFifthsViolated = ratio < 0.8;
        const status = (significant && effectOk) || (options.fourFifths === 'fail' && fourFifthsViolated) ? 'fail' : significant ? 'warn' : 'pass';
        const hi = groups[rates.indexOf(maxRate)]!, lo = groups[rates.indexOf(minRate)]!;
        const parts = [
          `selection rate ${fmt(lo.selectionRate)} (${lo.group}) to ${fmt(hi.selectionRate)} (${hi.group}): demographic parity difference ${fmt(dpd)}, chi² ${fmt(chi.statistic)} (p=${fmt(pValue)})`,
          `disparate impact ratio ${fmt(ratio)} (${fourFifthsViolated ? 'below' : 'meets'} the four-fifths rule)`,
        ];
        if (withLabels) parts.push(`equalized odds difference ${fmt(eod)} (TPR gap ${fmt(tprGap)}, FPR gap ${fmt(fprGap)})`);
        if (tooSmall.length) parts.push(`${tooSmall.length} group${tooSmall.length === 1 ? '' : 's'} below ${options.minGroupSize} records not tested`);
        if (skippedTotal) parts.push(`${skippedTotal} records skipped`);
        return {
          status,
          statistic: dpd,
          pValue,
          threshold: options.threshold,
          message: parts.join('; '),
          details: {
            ...base,
            demographicParityDifference: dpd,
            disparateImpactRatio: ratio,
            fourFifthsRule: fourFifthsViolated ? 'violated' : 'met',
            chiSquare: chi,
            ...(withLabels ? { equalizedOddsDifference: eod, tprDifference: tprGap, fprDifference: fprGap } : {}),
          },
          // A four-fifths failure is not a test result, so a run-level correction must not re-decide it.
          ...(options.fourFifths === 'fail' && fourFifthsViolated ? {} : { test: { alpha: options.threshold, effectSize: dpd, minEffect: options.minEffect ?? null } }),
        };
      },
    };
  },
});
