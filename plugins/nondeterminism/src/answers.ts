/**
 * Short answers pulled out of free text, so samples that word the same answer differently still
 * agree: a yes/no, an option letter, or a number.
 */
import { words } from './text.js';

export type AnswerKind = 'yesno' | 'option' | 'number';
export type ExtractMode = 'auto' | AnswerKind | 'none';

const YES = new Set(['yes', 'yeah', 'yep', 'true', 'correct']);
const NO = new Set(['no', 'nope', 'false', 'incorrect']);

/** `yes`/`no` when the text starts with such a word (`Yes, because…`, `No.`), else undefined. */
export function extractYesNo(text: string): string | undefined {
  const first = words(text)[0];
  if (first === undefined) return undefined;
  if (YES.has(first)) return 'yes';
  if (NO.has(first)) return 'no';
  return undefined;
}

const OPTION_PATTERNS = [
  /^\s*\(?([A-J])\)?\s*$/, // the whole answer is a letter: `B`, `(B)`
  /^\s*\(?([A-J])[).:]\s/, // starts with `B)`, `B.`, `(B) text`
  /\banswer(?: is|:)?\s*(?:option\s*)?\(?([A-J])\)?(?![\w'])/i, // `the answer is (C)`, `Answer: C`
  /\boption\s*\(?([A-J])\)?(?![\w'])/i, // `option C`
];

/** An option letter (`A`–`J`) from an answer like `B`, `(B) …`, `The answer is C.`, else undefined. */
export function extractOption(text: string): string | undefined {
  for (const pattern of OPTION_PATTERNS) {
    const m = pattern.exec(text);
    if (m) return m[1]!.toUpperCase();
  }
  return undefined;
}

const NUMBER = /[-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?/g;

/**
 * A number: after `####` or `answer is`/`answer:` when present (GSM8K-style), else the last
 * number of a short answer (≤ 12 words). Thousands separators are dropped. Undefined otherwise:
 * in a long free-text answer the last number is too often not the answer.
 */
export function extractNumber(text: string): number | undefined {
  const marked = /(?:####|\banswer(?: is|:)|=)\s*\$?\s*([-−]?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)/i.exec(text);
  const raw = marked?.[1] ?? (words(text).length <= 12 ? text.match(NUMBER)?.at(-1) : undefined);
  if (raw === undefined) return undefined;
  const v = Number(raw.replace(/,/g, '').replace('−', '-'));
  return Number.isFinite(v) ? v : undefined;
}

export function extractAnswer(text: string, kind: AnswerKind): string | number | undefined {
  return kind === 'yesno' ? extractYesNo(text) : kind === 'option' ? extractOption(text) : extractNumber(text);
}

/**
 * The kind of answer a group's samples give: under `auto`, the first of yes/no, option letter and
 * number that can be extracted from every sample; undefined when none fits them all.
 */
export function answerKindOf(texts: readonly string[], mode: ExtractMode): AnswerKind | undefined {
  if (mode === 'none') return undefined;
  const kinds: AnswerKind[] = mode === 'auto' ? ['yesno', 'option', 'number'] : [mode];
  return kinds.find((kind) => texts.every((t) => extractAnswer(t, kind) !== undefined));
}

export interface AnswerSummary {
  kind: AnswerKind;
  /** The most frequent answer (ties: the one seen first). */
  majority: string | number;
  /** Share of samples giving the majority answer. */
  agreement: number;
  distinct: number;
  /** Sample variance of the numbers (n − 1 denominator), for `number` answers with ≥ 2 samples. */
  variance?: number;
  values: Array<string | number>;
}

export function summarizeAnswers(texts: readonly string[], kind: AnswerKind): AnswerSummary {
  const values = texts.map((t) => extractAnswer(t, kind)!);
  const counts = new Map<string | number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let majority = values[0]!;
  for (const [v, c] of counts) if (c > counts.get(majority)!) majority = v;
  const summary: AnswerSummary = { kind, majority, agreement: counts.get(majority)! / values.length, distinct: counts.size, values };
  if (kind === 'number' && values.length >= 2) {
    const xs = values as number[];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    summary.variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  }
  return summary;
}
