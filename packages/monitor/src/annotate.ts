import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { getField, parseTimestamp, type VigiaRecord, type WindowReport } from '@vigia/core';
import type { WindowHook } from './watcher.js';
import { mulberry32 } from '@vigia/random';

/**
 * The annotation queue (active learning): per closed window, the records most worth labelling,
 * appended to a JSONL file for a labelling tool, each with the reasons it was chosen.
 *
 * Scores, from what the records carry:
 * - **anomaly**: the largest robust z-score |x − median| / (1.4826·MAD) of a numeric field
 *   against the baseline (the previous windows' sample; the window itself for the first one);
 * - **far from reference**: the root-mean-square of those z-scores over every scored field (a
 *   record unusual in several ways at once);
 * - **low token confidence**: the mean token log-probability (`logprobs`, `token_logprobs` or
 *   `choices[0].logprobs`), lowest first;
 * - **inconsistent**: records whose `consistency` / `agreement` field (the nondeterminism
 *   detector's per-prompt agreement when a log carries it) is lowest.
 *
 * Diversity: picks are greedy by score with a penalty for similarity (cosine of the clipped
 * z-score vectors, identical text) to what was already picked, and at most half the picks share
 * one reason, so ten copies of one outlier yield one or two picks, not ten.
 *
 * Memory per window is bounded: a uniform reservoir (for the baseline) plus, per field and per
 * score, the few most extreme candidates.
 */
export interface AnnotateOptions {
  path: string;
  perWindow: number;
  /** Numeric fields to score (default: numeric top-level fields seen, up to 16). */
  fields?: string[];
  /** Field holding the record time (to assign records to record-time windows). */
  timestampField?: string;
  /** Where the JSONL is appended (default: appendFile). */
  write?: (path: string, text: string) => Promise<void>;
  seed?: number;
}

interface Candidate {
  record: VigiaRecord;
  t: number | null;
  confidence: number | null;
  consistency: number | null;
}

export interface Pick {
  window: { index: number; start: string | null; end: string | null };
  score: number;
  reasons: string[];
  record: VigiaRecord;
}

const RESERVOIR = 2048;
/** Robust z-score from which a value counts as anomalous (a Gaussian field passes it about 6 times in 100,000). */
const ANOMALY_Z = 4;
const POOL_PER_FIELD = 32;
const MAX_AUTO_FIELDS = 16;
const LOGPROB_FIELDS = ['logprobs', 'token_logprobs', 'choices.0.logprobs'];
const CONSISTENCY_FIELDS = ['consistency', 'agreement'];
const TEXT_FIELDS = ['response', 'prompt', 'output', 'input'];

function meanLogprob(r: VigiaRecord): number | null {
  for (const f of LOGPROB_FIELDS) {
    const v = getField(r, f);
    if (Array.isArray(v) && v.length > 0) {
      let s = 0;
      let n = 0;
      for (const x of v) if (typeof x === 'number' && Number.isFinite(x)) {
        s += x;
        n++;
      }
      if (n > 0) return s / n;
    }
  }
  return null;
}

function firstNumber(r: VigiaRecord, fields: readonly string[]): number | null {
  for (const f of fields) {
    const v = getField(r, f);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function median(sorted: number[]): number {
  const n = sorted.length;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

interface FieldStats { median: number; scale: number }

function statsOf(values: number[]): FieldStats | undefined {
  if (values.length < 5) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = median(s);
  const dev = s.map((x) => Math.abs(x - m)).sort((a, b) => a - b);
  let scale = 1.4826 * median(dev);
  // A field constant in most records: fall back to the mean absolute deviation, then to 1.
  if (!(scale > 0)) scale = dev.reduce((a, b) => a + b, 0) / dev.length * 1.2533;
  if (!(scale > 0)) scale = Math.abs(m) > 0 ? Math.abs(m) * 1e-3 : 1;
  return { median: m, scale };
}

export class AnnotationQueue implements WindowHook {
  readonly #o: AnnotateOptions;
  readonly #rand: () => number;
  #fields: string[] | undefined;
  /** Uniform sample of the open window (values per field) and the count seen. */
  #sample: VigiaRecord[] = [];
  #seen = 0;
  /** Extreme candidates per field (high and low) and per score, bounded. */
  #pool = new Map<string, Array<{ c: Candidate; v: number }>>();
  #baseline: Map<string, FieldStats> | undefined;
  written = 0;

  constructor(options: AnnotateOptions, state?: unknown) {
    this.#o = options;
    this.#rand = mulberry32(options.seed ?? 42);
    this.#fields = options.fields;
    const s = state as { baseline?: Array<[string, FieldStats]>; fields?: string[] } | undefined;
    if (s?.baseline) this.#baseline = new Map(s.baseline);
    if (s?.fields && !this.#fields) this.#fields = s.fields;
  }

  #detectFields(r: VigiaRecord): string[] {
    return Object.entries(r).filter(([k, v]) => typeof v === 'number' && Number.isFinite(v) && !/^(i|id|index|seq|timestamp|time|ts)$/i.test(k)).map(([k]) => k).slice(0, MAX_AUTO_FIELDS);
  }

  #offer(key: string, c: Candidate, value: number, keepHigh: boolean): void {
    const list = this.#pool.get(key) ?? [];
    list.push({ c, v: value });
    if (list.length > POOL_PER_FIELD * 2) {
      list.sort((a, b) => (keepHigh ? b.v - a.v : a.v - b.v));
      list.length = POOL_PER_FIELD;
    }
    this.#pool.set(key, list);
  }

  add(records: readonly VigiaRecord[]): void {
    const tsField = this.#o.timestampField ?? 'timestamp';
    for (const r of records) {
      this.#fields ??= this.#detectFields(r);
      this.#seen++;
      if (this.#sample.length < RESERVOIR) this.#sample.push(r);
      else {
        const j = Math.floor(this.#rand() * this.#seen);
        if (j < RESERVOIR) this.#sample[j] = r;
      }
      const tRaw = getField(r, tsField);
      const t = tRaw === undefined ? null : parseTimestamp(tRaw);
      const c: Candidate = { record: r, t: t === null || Number.isNaN(t) ? null : t, confidence: meanLogprob(r), consistency: firstNumber(r, CONSISTENCY_FIELDS) };
      for (const f of this.#fields) {
        const v = getField(r, f);
        if (typeof v !== 'number' || !Number.isFinite(v)) continue;
        this.#offer(`hi:${f}`, c, v, true);
        this.#offer(`lo:${f}`, c, v, false);
      }
      if (c.confidence !== null) this.#offer('confidence', c, c.confidence, false);
      if (c.consistency !== null) this.#offer('consistency', c, c.consistency, false);
    }
  }

  /** Score the window's candidates, pick with diversity and append them. */
  async windowClosed(w: WindowReport): Promise<void> {
    const picks = this.pick(w);
    // The window's sample becomes the baseline of the next window.
    const fields = this.#fields ?? [];
    const next = new Map<string, FieldStats>();
    for (const f of fields) {
      const s = statsOf(this.#sample.map((r) => getField(r, f)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
      if (s) next.set(f, s);
    }
    if (next.size) this.#baseline = next;
    // A batch can straddle windows: keep what belongs after this window's end.
    const end = w.window.end ? Date.parse(w.window.end) : null;
    const tsField = this.#o.timestampField ?? 'timestamp';
    const later = (t: number | null) => end !== null && t !== null && t >= end;
    const timeOf = (r: VigiaRecord) => {
      const raw = getField(r, tsField);
      const t = raw === undefined ? NaN : parseTimestamp(raw);
      return Number.isNaN(t) ? null : t;
    };
    this.#sample = this.#sample.filter((r) => later(timeOf(r)));
    this.#seen = this.#sample.length;
    const pool = new Map<string, Array<{ c: Candidate; v: number }>>();
    for (const [key, list] of this.#pool) {
      const kept = list.filter(({ c }) => later(c.t));
      if (kept.length) pool.set(key, kept);
    }
    this.#pool = pool;
    if (picks.length === 0) return;
    const text = picks.map((p) => JSON.stringify(p)).join('\n') + '\n';
    const write = this.#o.write ?? (async (path: string, t: string) => {
      await mkdir(dirname(path), { recursive: true });
      await appendFile(path, t);
    });
    await write(this.#o.path, text);
    this.written += picks.length;
  }

  /** The picks for a closed window (without writing them). */
  pick(w: WindowReport): Pick[] {
    const fields = this.#fields ?? [];
    // Baseline: earlier windows; for the first window, the window's own sample.
    let baseline = this.#baseline;
    if (!baseline) {
      baseline = new Map();
      for (const f of fields) {
        const s = statsOf(this.#sample.map((r) => getField(r, f)).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
        if (s) baseline.set(f, s);
      }
    }
    const start = w.window.start ? Date.parse(w.window.start) : null;
    const end = w.window.end ? Date.parse(w.window.end) : null;
    const inWindow = (c: Candidate) => c.t === null || start === null || end === null || (c.t >= start && c.t < end);
    const unique = new Map<VigiaRecord, Candidate>();
    for (const list of this.#pool.values()) for (const { c } of list) if (inWindow(c)) unique.set(c.record, c);
    const candidates = [...unique.values()];
    if (candidates.length === 0) return [];
    // Confidence and consistency are ranked within the window (lowest = most worth a look).
    const confs = candidates.map((c) => c.confidence).filter((v): v is number => v !== null);
    const confStats = confs.length >= 5 ? statsOf(confs) : undefined;
    const scored = candidates.map((c) => {
      const z: number[] = [];
      const reasons: Array<{ kind: string; score: number; text: string }> = [];
      let maxZ = 0;
      let maxField = '';
      for (const f of fields) {
        const s = baseline!.get(f);
        const v = getField(c.record, f);
        if (!s || typeof v !== 'number' || !Number.isFinite(v)) {
          z.push(0);
          continue;
        }
        const zf = (v - s.median) / s.scale;
        z.push(Math.max(-20, Math.min(20, zf)));
        if (Math.abs(zf) > Math.abs(maxZ)) {
          maxZ = zf;
          maxField = f;
        }
      }
      if (Math.abs(maxZ) >= ANOMALY_Z) reasons.push({ kind: 'anomaly', score: Math.abs(maxZ), text: `anomaly: ${maxField} = ${fmt(getField(c.record, maxField) as number)} is ${fmt(Math.abs(maxZ))} robust SDs ${maxZ > 0 ? 'above' : 'below'} the baseline median ${fmt(baseline!.get(maxField)!.median)}` });
      const rms = z.length ? Math.sqrt(z.reduce((a, b) => a + b * b, 0) / z.length) : 0;
      const over = z.filter((x) => Math.abs(x) >= 2).length;
      if (over >= 2 && rms >= 2) reasons.push({ kind: 'far', score: rms, text: `far from the reference: ${over} fields beyond 2 robust SDs (distance ${fmt(rms)})` });
      if (c.confidence !== null && confStats) {
        const zc = (confStats.median - c.confidence) / confStats.scale;
        if (zc >= ANOMALY_Z) reasons.push({ kind: 'confidence', score: zc, text: `low token confidence: mean log-probability ${fmt(c.confidence)} (window median ${fmt(confStats.median)})` });
      }
      if (c.consistency !== null && c.consistency < 0.5) reasons.push({ kind: 'consistency', score: ANOMALY_Z + (0.5 - c.consistency) * 10, text: `inconsistent across samples: agreement ${fmt(c.consistency)}` });
      const score = reasons.reduce((a, r) => Math.max(a, r.score), 0) + 0.1 * (reasons.length - 1);
      return { c, z, reasons, score };
    }).filter((s) => s.reasons.length > 0);
    // Greedy selection with a similarity penalty (maximal marginal relevance).
    const picked: typeof scored = [];
    const perKind = new Map<string, number>();
    const cap = Math.max(1, Math.ceil(this.#o.perWindow / 2));
    const remaining = [...scored];
    while (picked.length < this.#o.perWindow && remaining.length > 0) {
      let best = -1;
      let bestValue = -Infinity;
      for (const [i, s] of remaining.entries()) {
        const kind = s.reasons.reduce((a, r) => (r.score > a.score ? r : a)).kind;
        if ((perKind.get(kind) ?? 0) >= cap && remaining.some((o) => (perKind.get(o.reasons.reduce((a, r) => (r.score > a.score ? r : a)).kind) ?? 0) < cap)) continue;
        const sim = picked.reduce((m, p) => Math.max(m, similarity(s, p)), 0);
        const value = s.score * (1 - 0.9 * sim);
        if (value > bestValue) {
          bestValue = value;
          best = i;
        }
      }
      if (best === -1) break;
      const [s] = remaining.splice(best, 1);
      // A near-copy of something already picked adds nothing for a labeller.
      if (picked.some((p) => similarity(s!, p) > 0.995)) continue;
      picked.push(s!);
      const kind = s!.reasons.reduce((a, r) => (r.score > a.score ? r : a)).kind;
      perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
    }
    return picked.map((s) => ({
      window: { index: w.window.index, start: w.window.start, end: w.window.end },
      score: Number(s.score.toFixed(3)),
      reasons: s.reasons.sort((a, b) => b.score - a.score).map((r) => r.text),
      record: s.c.record,
    }));
  }

  snapshot(): unknown {
    return { baseline: this.#baseline ? [...this.#baseline] : undefined, fields: this.#fields };
  }
}

function textOf(r: VigiaRecord): string | undefined {
  for (const f of TEXT_FIELDS) {
    const v = r[f];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

type Scored = { c: Candidate; z: number[]; reasons: Array<{ kind: string; score: number }> };
const mainKind = (s: Scored) => s.reasons.reduce((a, r) => (r.score > a.score ? r : a)).kind;

/** How much `a` repeats `b` for a labeller: same text, or (numeric outliers) the same deviation. */
function similarity(a: Scored, b: Scored): number {
  const ta = textOf(a.c.record);
  if (ta !== undefined && ta === textOf(b.c.record)) return 1;
  const ka = mainKind(a);
  // Low confidence or inconsistency: each record is its own case unless the text repeats.
  if (ka !== mainKind(b) || (ka !== 'anomaly' && ka !== 'far')) return 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.z.length; i++) {
    dot += a.z[i]! * b.z[i]!;
    na += a.z[i]! ** 2;
    nb += b.z[i]! ** 2;
  }
  if (na === 0 || nb === 0) return 0;
  const cos = dot / Math.sqrt(na * nb);
  // Same direction and similar size: near-copies.
  const ratio = Math.min(na, nb) / Math.max(na, nb);
  return Math.max(0, cos) * Math.sqrt(ratio);
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}
