/** Shared text analysis: one pass of word splitting per text, reused by several descriptors. */

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;

/** 1 = letter or digit, 2 = combining mark, 0 = anything else (ASCII decided without a regex). */
function classOf(text: string, i: number): { kind: 0 | 1 | 2; width: 1 | 2 } {
  const c = text.charCodeAt(i);
  if (c < 128) return { kind: (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0, width: 1 };
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    return { kind: WORD_CHAR.test(ch) ? 1 : MARK.test(ch) ? 2 : 0, width: 2 };
  }
  const ch = text[i]!;
  return { kind: WORD_CHAR.test(ch) ? 1 : MARK.test(ch) ? 2 : 0, width: 1 };
}

const isJoiner = (c: number) => c === 39 || c === 0x2019 || c === 45 || c === 95; // ' ’ - _

/**
 * Words: runs of letters and digits (Unicode), with combining marks, joined by an apostrophe,
 * hyphen or underscore between two of them ("isn't", "well-known").
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = classOf(text, i);
    if (first.kind !== 1) {
      i += first.width;
      continue;
    }
    let j = i + first.width;
    while (j < n) {
      const k = classOf(text, j);
      if (k.kind !== 0) {
        j += k.width;
        continue;
      }
      if (isJoiner(text.charCodeAt(j)) && j + 1 < n && classOf(text, j + 1).kind === 1) {
        j += 1;
        continue;
      }
      break;
    }
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/**
 * Approximate tokens of a BPE tokenizer: ~4 characters per token for alphabetic scripts, one per
 * character for CJK and Thai (which such tokenizers split finely). Not a tokenizer: within ~±25 %
 * of cl100k on English prose, worse on code and rare scripts.
 */
export function approxTokens(text: string): number {
  if (text.length === 0) return 0;
  const cjk = text.match(CJK)?.length ?? 0;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/** Characters (Unicode code points). */
export function charCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // skip low surrogates: count code points
  }
  return n;
}

/** Share of non-whitespace characters that are not letters (digits, punctuation, symbols, emoji). */
export function nonLetterShare(text: string): number | undefined {
  let total = 0;
  let nonLetter = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      if (c === 32 || (c >= 9 && c <= 13)) continue;
      total++;
      if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) nonLetter++;
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: counted with its high half
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (SPACE.test(ch)) continue;
    total++;
    if (!LETTER.test(ch)) nonLetter++;
  }
  return total === 0 ? undefined : nonLetter / total;
}
const LETTER = /^[\p{L}\p{M}]$/u;
const SPACE = /^\s$/u;

/** English syllables by vowel groups (a heuristic, as in most readability tools). */
export function syllables(word: string): number {
  const w = word.toLowerCase().replace(/[^a-z]/g, '');
  if (w.length === 0) return 1;
  if (w.length <= 3) return 1;
  const groups = w.replace(/(?:[^laeiouy]es|ed|[^laeiouy]e)$/, '').replace(/^y/, '').match(/[aeiouy]{1,2}/g);
  return Math.max(1, groups?.length ?? 1);
}

/** Sentences: runs ending in . ! ? (or CJK 。！？) or the end of the text. */
export function sentenceCount(text: string): number {
  const n = text.split(/[.!?。！？]+(?:\s|$)/).filter((s) => /[\p{L}\p{N}]/u.test(s)).length;
  return Math.max(1, n);
}

/**
 * Flesch reading ease: 206.835 − 1.015 · words/sentence − 84.6 · syllables/word. Usually 0–100
 * (higher is easier); unbounded for odd text. English syllable rules: other languages get
 * numbers on a different scale.
 */
export function fleschReadingEase(text: string, ws: readonly string[]): number | undefined {
  if (ws.length === 0) return undefined;
  let syl = 0;
  for (const w of ws) syl += syllables(w);
  return 206.835 - 1.015 * (ws.length / sentenceCount(text)) - 84.6 * (syl / ws.length);
}
