/** Shared text analysis: one pass of word splitting per text, reused by several descriptors. */

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const MARK = /^\p{M}$/u;

/**
 * Class of the character at i: 1 = letter or digit, 2 = combining mark, 0 = anything else; plus 4
 * when it takes two UTF-16 units (astral). ASCII is decided without a regex.
 */
function classOf(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    return (WORD_CHAR.test(ch) ? 1 : MARK.test(ch) ? 2 : 0) | 4;
  }
  const ch = text[i]!;
  return WORD_CHAR.test(ch) ? 1 : MARK.test(ch) ? 2 : 0;
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
    if ((first & 3) !== 1) {
      i += first & 4 ? 2 : 1;
      continue;
    }
    let j = i + (first & 4 ? 2 : 1);
    while (j < n) {
      const k = classOf(text, j);
      if ((k & 3) !== 0) {
        j += k & 4 ? 2 : 1;
        continue;
      }
      if (isJoiner(text.charCodeAt(j)) && j + 1 < n && (classOf(text, j + 1) & 3) === 1) {
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

const isVowel = (c: number) => c === 97 || c === 101 || c === 105 || c === 111 || c === 117 || c === 121; // a e i o u y

/**
 * English syllables by vowel groups (a heuristic, as in most readability tools): groups of one or
 * two vowels, a silent final -e / -es / -ed dropped, a leading y not a vowel; at least 1.
 */
export function syllables(word: string): number {
  const w = word.toLowerCase();
  let end = w.length;
  // drop a final "es"/"e" after a consonant other than l, or "ed"
  const at = (k: number) => w.charCodeAt(k);
  if (end > 3) {
    if (at(end - 1) === 100 && at(end - 2) === 101) end -= 2; // -ed
    else if (at(end - 1) === 115 && at(end - 2) === 101 && !isVowel(at(end - 3)) && at(end - 3) !== 108) end -= 2; // -es
    else if (at(end - 1) === 101 && !isVowel(at(end - 2)) && at(end - 2) !== 108) end -= 1; // -e
  }
  let count = 0;
  let run = 0;
  for (let k = 0; k < end; k++) {
    const c = at(k);
    if (c < 97 || c > 122) { run = 0; continue; }
    if (isVowel(c) && !(k === 0 && c === 121)) {
      if (run === 0 || run === 2) { count++; run = 1; } else run = 2;
    } else run = 0;
  }
  return Math.max(1, count);
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
