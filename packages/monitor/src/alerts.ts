import { createHash } from 'node:crypto';
import { parseDuration, type Status, type WindowReport } from '@vigia/core';
import type { AlertRecord } from './store.js';

/**
 * Alert rules over windows: `when:` a condition on a metric value or a detector status holds for
 * `for:` consecutive windows, the rule fires (once: while it stays firing nothing is re-sent);
 * at the first window where it does not hold, it resolves. `cooldown:` keeps a resolved rule from
 * firing again for that long (flapping). The rule state is part of the watcher's stored snapshot,
 * so a restart neither re-fires nor forgets an alert.
 */

export interface AlertRuleSpec {
  id?: string;
  when: string;
  for?: number;
  cooldown?: string;
  severity?: 'info' | 'warning' | 'critical';
  description?: string;
}

type Op = '>' | '>=' | '<' | '<=' | '==' | '!=';

type Target =
  | { kind: 'metric'; name: string; labels: Record<string, string> }
  | { kind: 'detector'; id: string; field: 'status' | 'statistic' | 'pValue' }
  | { kind: 'window-status' };

export interface CompiledRule {
  id: string;
  when: string;
  for: number;
  cooldownMs: number;
  severity: 'info' | 'warning' | 'critical';
  description?: string;
  target: Target;
  op: Op;
  value: number | Status;
}

export interface RuleState {
  /** Consecutive windows (up to `for`) the condition held. */
  met: number;
  firing: boolean;
  /** Wall time (ms) the rule last resolved, for the cooldown. */
  resolvedAt?: number;
}

export type AlertState = Record<string, RuleState>;

const STATUS_ORDER: Record<Status, number> = { pass: 0, warn: 1, fail: 2, error: 3 };
const STATUSES = Object.keys(STATUS_ORDER) as Status[];

/** A rule that cannot be understood: the message names the rule and how to write it. */
export class AlertRuleError extends Error {}

const WHEN = /^\s*([A-Za-z_][\w.:/-]*)\s*(\{[^}]*\})?\s*(>=|<=|==|!=|>|<)\s*(\S+)\s*$/;

function parseLabels(text: string | undefined, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  const body = text.slice(1, -1).trim();
  if (!body) return labels;
  for (const part of body.split(',')) {
    const m = /^\s*([A-Za-z_][\w.]*)\s*=\s*"([^"]*)"\s*$/.exec(part);
    if (!m) throw new AlertRuleError(`${where}: label matcher "${part.trim()}" must be name="value"`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

/**
 * Compile `alerts:` rules. `detectorIds`: the config's detector ids, so `<id>.status` means a
 * detector; anything else is a metric name.
 */
export function compileRules(specs: readonly AlertRuleSpec[], detectorIds: readonly string[], where = 'alerts'): CompiledRule[] {
  const seen = new Set<string>();
  return specs.map((spec, i) => {
    const at = `${where}/${i}`;
    const m = WHEN.exec(spec.when);
    if (!m) {
      throw new AlertRuleError(`${at}/when "${spec.when}" is not a condition; write <metric>[{label="v"}] <op> <number> (latency.p95 > 2) or <detector id>.status <op> <pass|warn|fail|error> (latency.status == fail), with op one of > >= < <= == !=`);
    }
    const [, selector, labelText, op, rawValue] = m as unknown as [string, string, string | undefined, Op, string];
    let target: Target;
    const dot = selector.lastIndexOf('.');
    const prefix = dot > 0 ? selector.slice(0, dot) : '';
    const field = dot > 0 ? selector.slice(dot + 1) : '';
    if (selector === 'status') target = { kind: 'window-status' };
    else if (detectorIds.includes(prefix) && (field === 'status' || field === 'statistic' || field === 'pValue')) target = { kind: 'detector', id: prefix, field };
    else if (field === 'status' && !labelText) {
      throw new AlertRuleError(`${at}/when "${spec.when}": "${prefix}" is not a detector id of this config (${detectorIds.length ? detectorIds.join(', ') : 'it has none'})`);
    } else target = { kind: 'metric', name: selector, labels: parseLabels(labelText, `${at}/when`) };
    let value: number | Status;
    const isStatus = target.kind === 'window-status' || (target.kind === 'detector' && target.field === 'status');
    if (isStatus) {
      if (!STATUSES.includes(rawValue as Status)) throw new AlertRuleError(`${at}/when "${spec.when}": compare a status with pass, warn, fail or error, not "${rawValue}"`);
      value = rawValue as Status;
    } else {
      value = Number(rawValue);
      if (!Number.isFinite(value)) throw new AlertRuleError(`${at}/when "${spec.when}": "${rawValue}" is not a number`);
    }
    const cooldownMs = spec.cooldown ? parseDuration(spec.cooldown) : 0;
    if (Number.isNaN(cooldownMs)) throw new AlertRuleError(`${at}/cooldown "${spec.cooldown}" is not a duration like 30m`);
    const id = spec.id ?? spec.when.trim();
    if (seen.has(id)) throw new AlertRuleError(`${at}: two alert rules are named "${id}"; give one an id`);
    seen.add(id);
    return { id, when: spec.when.trim(), for: spec.for ?? 1, cooldownMs, severity: spec.severity ?? 'warning', description: spec.description, target, op, value };
  });
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '==': return a === b;
    case '!=': return a !== b;
  }
}

/** Whether the rule's condition holds in a window, and the value it saw (undefined: no value in this window). */
export function observe(rule: CompiledRule, w: WindowReport): { met: boolean; value: number | string | null } {
  const t = rule.target;
  if (t.kind === 'window-status' || (t.kind === 'detector' && t.field === 'status')) {
    const status = t.kind === 'window-status' ? w.status : w.detectors.find((d) => d.id === t.id)?.status;
    if (status === undefined) return { met: false, value: null };
    return { met: compare(STATUS_ORDER[status], rule.op, STATUS_ORDER[rule.value as Status]), value: status };
  }
  let values: number[];
  if (t.kind === 'detector') {
    const d = w.detectors.find((x) => x.id === t.id);
    const v = d ? d[t.field] : null;
    values = typeof v === 'number' ? [v] : [];
  } else {
    values = w.metrics
      .filter((m) => m.name === t.name && Object.entries(t.labels).every(([k, v]) => m.labels?.[k] === v))
      .map((m) => m.value)
      .filter((v) => Number.isFinite(v));
  }
  if (values.length === 0) return { met: false, value: null };
  // Several series (segments): the condition holds when one of them meets it; report that one.
  const hit = values.find((v) => compare(v, rule.op, rule.value as number));
  return hit !== undefined ? { met: true, value: hit } : { met: false, value: rule.op.startsWith('<') ? Math.min(...values) : Math.max(...values) };
}

function transitionKey(run: string, rule: string, state: string, w: WindowReport): string {
  return createHash('sha256').update(['vigia-alert', run, rule, state, w.window.index, w.window.start ?? '', w.window.end ?? ''].join('\u0000')).digest('hex').slice(0, 32);
}

/** Evaluates rules window after window; its state is JSON (snapshot with the session). */
export class AlertEvaluator {
  readonly #state: AlertState;

  constructor(readonly run: string, readonly rules: readonly CompiledRule[], state?: AlertState) {
    this.#state = structuredClone(state ?? {});
  }

  snapshot(): AlertState {
    return structuredClone(this.#state);
  }

  /** Rules firing now. */
  firing(): string[] {
    return Object.entries(this.#state).filter(([, s]) => s.firing).map(([id]) => id);
  }

  /** Feed one closed window; returns the transitions it causes (firing or resolved). */
  evaluate(w: WindowReport, nowMs: number): AlertRecord[] {
    const out: AlertRecord[] = [];
    for (const rule of this.rules) {
      const s = (this.#state[rule.id] ??= { met: 0, firing: false });
      const { met, value } = observe(rule, w);
      const base = {
        rule: rule.id, severity: rule.severity, at: new Date(nowMs).toISOString(), when: rule.when, value,
        window: { index: w.window.index, start: w.window.start, end: w.window.end },
      };
      if (met) {
        s.met = Math.min(s.met + 1, rule.for);
        const cooling = s.resolvedAt !== undefined && nowMs - s.resolvedAt < rule.cooldownMs;
        if (!s.firing && s.met >= rule.for && !cooling) {
          s.firing = true;
          out.push({
            ...base, key: transitionKey(this.run, rule.id, 'firing', w), state: 'firing',
            message: `${rule.id}: ${rule.when} for ${rule.for} window${rule.for === 1 ? '' : 's'} (now ${String(value)})${rule.description ? `: ${rule.description}` : ''}`,
          });
        }
      } else {
        s.met = 0;
        if (s.firing) {
          s.firing = false;
          s.resolvedAt = nowMs;
          out.push({
            ...base, key: transitionKey(this.run, rule.id, 'resolved', w), state: 'resolved',
            message: `${rule.id}: resolved, ${rule.when} no longer holds (now ${value === null ? 'no value' : String(value)})`,
          });
        }
      }
    }
    return out;
  }
}
