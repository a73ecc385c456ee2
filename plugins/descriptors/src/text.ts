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

/** classOf for ASCII: 1 for letters and digits. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? 1 : 0;

const isJoiner = (c: number) => c === 39 || c === 0x2019 || c === 45 || c === 95; // ' ’ - _

/**
 * Word spans of a text, in reused arrays: word k is text[starts[k] .. ends[k]). One instance per
 * caller; {@link WordSpans.scan} overwrites the previous text's spans.
 */
export class WordSpans {
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  count = 0;

  /**
   * Words: runs of letters and digits (Unicode), with combining marks, joined by an apostrophe,
   * hyphen or underscore between two of them ("isn't", "well-known").
   */
  scan(text: string): number {
    const n = text.length;
    let count = 0;
    let i = 0;
    while (i < n) {
      const c0 = text.charCodeAt(i);
      const first = c0 < 128 ? ASCII_WORD[c0]! : classOf(text, i);
      if ((first & 3) !== 1) {
        i += first & 4 ? 2 : 1;
        continue;
      }
      let j = i + (first & 4 ? 2 : 1);
      while (j < n) {
        const c = text.charCodeAt(j);
        const k = c < 128 ? ASCII_WORD[c]! : classOf(text, j);
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
      if (count === this.starts.length) {
        const starts = new Int32Array(count * 2);
        const ends = new Int32Array(count * 2);
        starts.set(this.starts);
        ends.set(this.ends);
        this.starts = starts;
        this.ends = ends;
      }
      this.starts[count] = i;
      this.ends[count] = j;
      count++;
      i = j;
    }
    this.count = count;
    return count;
  }

  /**
   * {@link scan} and {@link charStats} in one pass over the text (the same spans and the same
   * counts, which it returns): for the descriptor sets that need both.
   */
  scanWithStats(text: string): Int32Array {
    const n = text.length;
    let count = 0;
    let wpos = 0; // the next unit the word scan examines (an astral character takes two)
    let inWord = false;
    let wordStart = 0;
    let chars = 0;
    let total = 0;
    let nonLetter = 0;
    let sentences = 0;
    let has = false;
    let inRun = false;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (i === wpos) {
        // scan(), one unit at a time
        const k = c < 128 ? ASCII_WORD[c]! : classOf(text, i);
        const step = k & 4 ? 2 : 1;
        if (!inWord) {
          if ((k & 3) === 1) {
            inWord = true;
            wordStart = i;
          }
          wpos = i + step;
        } else if ((k & 3) !== 0) wpos = i + step;
        else if (isJoiner(c) && i + 1 < n && (classOf(text, i + 1) & 3) === 1) wpos = i + 1;
        else {
          count = this.#push(count, wordStart, i);
          inWord = false;
          wpos = i + step; // examined again outside a word: not a word character, so skipped
        }
      }

      if (c < 128) {
        chars++;
        const k = ASCII_KIND[c]!;
        if (k === K_SPACE) {
          if (inRun) {
            inRun = false;
            if (has) sentences++;
            has = false;
          }
          continue;
        }
        total++;
        if (k === K_LETTER) has = true;
        else {
          nonLetter++;
          if (k === K_DIGIT) has = true;
          else if (k === K_TERMINATOR) {
            inRun = true;
            continue;
          }
        }
        inRun = false;
        continue;
      }
      if (c === 0x3002 || c === 0xff01 || c === 0xff1f) {
        chars++;
        total++;
        nonLetter++;
        inRun = true;
        continue;
      }
      const wasRun = inRun;
      inRun = false;
      if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: counted with its high half
      chars++;
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (SPACE.test(ch)) {
        if (wasRun) {
          if (has) sentences++;
          has = false;
        }
        continue;
      }
      total++;
      if (!LETTER.test(ch)) nonLetter++;
      if (!has && LETTER_OR_NUMBER.test(ch)) has = true;
    }
    if (inWord) count = this.#push(count, wordStart, wpos < n ? wpos : n);
    this.count = count;
    if (inRun) {
      if (has) sentences++;
      has = false;
    }
    if (has) sentences++;
    STATS[0] = chars;
    STATS[1] = total;
    STATS[2] = nonLetter;
    STATS[3] = sentences > 1 ? sentences : 1;
    return STATS;
  }

  #push(count: number, start: number, end: number): number {
    if (count === this.starts.length) {
      const starts = new Int32Array(count * 2);
      const ends = new Int32Array(count * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[count] = start;
    this.ends[count] = end;
    return count + 1;
  }
}

/** The words of a text as strings (see {@link WordSpans.scan}). */
export function words(text: string): string[] {
  const spans = new WordSpans();
  const n = spans.scan(text);
  const out: string[] = new Array<string>(n);
  for (let k = 0; k < n; k++) out[k] = text.slice(spans.starts[k], spans.ends[k]);
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
  const stats = charStats(text);
  return stats[1] === 0 ? undefined : stats[2]! / stats[1]!;
}

const STATS = new Int32Array(4);

/**
 * One pass for {@link charCount}, {@link nonLetterShare} and {@link sentenceCount}: [code points,
 * non-whitespace characters, of which not letters, sentences], in an array reused by the next call.
 */
export function charStats(text: string): Int32Array {
  let chars = 0;
  let total = 0;
  let nonLetter = 0;
  // Sentences as split(/[.!?。！？]+(?:\s|$)/) cuts them, counting pieces with a letter or digit:
  // `inRun` while in a run of terminators (a separator when a whitespace character or the end follows).
  let sentences = 0;
  let has = false;
  let inRun = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      chars++;
      const k = ASCII_KIND[c]!;
      if (k === K_SPACE) {
        if (inRun) {
          inRun = false;
          if (has) sentences++;
          has = false;
        }
        continue;
      }
      total++;
      if (k === K_LETTER) has = true;
      else {
        nonLetter++;
        if (k === K_DIGIT) has = true;
        else if (k === K_TERMINATOR) {
          inRun = true;
          continue;
        }
      }
      inRun = false;
      continue;
    }
    if (c === 0x3002 || c === 0xff01 || c === 0xff1f) {
      chars++;
      total++;
      nonLetter++;
      inRun = true;
      continue;
    }
    const wasRun = inRun;
    inRun = false;
    if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: counted with its high half
    chars++;
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (SPACE.test(ch)) {
      if (wasRun) {
        if (has) sentences++;
        has = false;
      }
      continue;
    }
    total++;
    if (!LETTER.test(ch)) nonLetter++;
    if (!has && LETTER_OR_NUMBER.test(ch)) has = true;
  }
  if (inRun) {
    if (has) sentences++;
    has = false;
  }
  if (has) sentences++;
  STATS[0] = chars;
  STATS[1] = total;
  STATS[2] = nonLetter;
  STATS[3] = sentences > 1 ? sentences : 1;
  return STATS;
}

const K_SPACE = 1;
const K_LETTER = 2;
const K_DIGIT = 3;
const K_TERMINATOR = 4;
/** ASCII kinds for {@link charStats}: JavaScript's \s, A–Z a–z, 0–9, . ! ?, other. */
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_KIND[c] = c === 32 || (c >= 9 && c <= 13) ? K_SPACE : (c >= 65 && c <= 90) || (c >= 97 && c <= 122) ? K_LETTER : c >= 48 && c <= 57 ? K_DIGIT : c === 46 || c === 33 || c === 63 ? K_TERMINATOR : 0;
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

/** Syllables of text[s..e), as {@link syllables} of that word: in place for ASCII words. */
export function syllablesIn(text: string, s: number, e: number): number {
  let end = e - s;
  if (end > 3) {
    // the suffixes are ASCII: a non-ASCII word is sent to syllables() by the loop below either way
    const c1 = lowerAscii(text.charCodeAt(s + end - 1));
    const c2 = lowerAscii(text.charCodeAt(s + end - 2));
    const c3 = lowerAscii(text.charCodeAt(s + end - 3));
    if (c1 === 100 && c2 === 101) end -= 2; // -ed
    else if (c1 === 115 && c2 === 101 && !isVowel(c3) && c3 !== 108) end -= 2; // -es
    else if (c1 === 101 && !isVowel(c2) && c2 !== 108) end -= 1; // -e
  }
  let count = 0;
  let run = 0;
  for (let k = 0; k < end; k++) {
    const c = text.charCodeAt(s + k);
    if (c >= 128) return syllables(text.slice(s, e)); // toLowerCase may change non-ASCII lengths
    const kind = SYLLABLE_KIND[c]!;
    if (kind === 0) { run = 0; continue; }
    if (kind === 2 || (kind === 3 && k !== 0)) {
      if (run === 0 || run === 2) { count++; run = 1; } else run = 2;
    } else run = 0;
  }
  // a non-ASCII character in the dropped suffix is impossible (it is e, d or s)
  return count > 1 ? count : 1;
}

/** Total {@link syllablesIn} of the first n spans, with the ASCII case inlined (one call per text, not per word). */
export function syllablesOfSpans(text: string, starts: Int32Array, ends: Int32Array, n: number): number {
  let total = 0;
  words: for (let w = 0; w < n; w++) {
    const s = starts[w]!;
    const e = ends[w]!;
    let end = e - s;
    if (end > 3) {
      const c1 = lowerAscii(text.charCodeAt(e - 1));
      const c2 = lowerAscii(text.charCodeAt(e - 2));
      const c3 = lowerAscii(text.charCodeAt(e - 3));
      if (c1 === 100 && c2 === 101) end -= 2; // -ed
      else if (c1 === 115 && c2 === 101 && !isVowel(c3) && c3 !== 108) end -= 2; // -es
      else if (c1 === 101 && !isVowel(c2) && c2 !== 108) end -= 1; // -e
    }
    let count = 0;
    let run = 0;
    for (let k = 0; k < end; k++) {
      const c = text.charCodeAt(s + k);
      if (c >= 128) {
        total += syllables(text.slice(s, e));
        continue words;
      }
      const kind = SYLLABLE_KIND[c]!;
      if (kind === 0) { run = 0; continue; }
      if (kind === 2 || (kind === 3 && k !== 0)) {
        if (run === 0 || run === 2) { count++; run = 1; } else run = 2;
      } else run = 0;
    }
    total += count > 1 ? count : 1;
  }
  return total;
}

/** ASCII letters for syllables, either case: 0 not a–z, 1 consonant, 2 vowel (a e i o u), 3 y (a vowel except first). */
const SYLLABLE_KIND = new Uint8Array(128);
for (let c = 65; c <= 90; c++) {
  const lower = String.fromCharCode(c + 32);
  const kind = 'aeiou'.includes(lower) ? 2 : lower === 'y' ? 3 : 1;
  SYLLABLE_KIND[c] = kind;
  SYLLABLE_KIND[c + 32] = kind;
}

const lowerAscii = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

/**
 * Sentences: runs ending in . ! ? (or CJK 。！？) followed by whitespace or the end of the text,
 * that contain a letter or digit; at least 1. (What
 * `text.split(/[.!?。！？]+(?:\s|$)/).filter((s) => /[\p{L}\p{N}]/u.test(s)).length` counts, in one scan.)
 */
export function sentenceCount(text: string): number {
  return charStats(text)[3]!;
}


/**
 * Flesch reading ease: 206.835 − 1.015 · words/sentence − 84.6 · syllables/word. Usually 0–100
 * (higher is easier); unbounded for odd text. English syllable rules: other languages get
 * numbers on a different scale.
 */
export function fleschReadingEase(text: string, ws: readonly string[] | WordSpans, sentences?: number): number | undefined {
  const n = Array.isArray(ws) ? ws.length : (ws as WordSpans).count;
  if (n === 0) return undefined;
  let syl = 0;
  if (Array.isArray(ws)) for (const w of ws as readonly string[]) syl += syllables(w);
  else syl = syllablesOfSpans(text, (ws as WordSpans).starts, (ws as WordSpans).ends, n);
  return 206.835 - 1.015 * (n / (sentences ?? sentenceCount(text))) - 84.6 * (syl / n);
}

/**
 * A set of lower-case words, asked whether a span of a text, lower-cased, is in it: ASCII spans are
 * hashed and compared in place (no string), others are lower-cased as strings. The same answers as
 * `set.has(text.slice(s, e).toLowerCase())`.
 */
export class LowerWordSet {
  /** The words in first-seen order; a word's index is its position. */
  readonly #words: string[];
  readonly #index: Map<string, number>;
  readonly #slots: Int32Array;

  constructor(words: Iterable<string>) {
    this.#index = new Map();
    for (const w of words) if (!this.#index.has(w)) this.#index.set(w, this.#index.size);
    this.#words = [...this.#index.keys()];
    let size = 16;
    while (size < this.#words.length * 4) size *= 2;
    this.#slots = new Int32Array(size);
    this.#words.forEach((w, i) => {
      let h = 0x811c9dc5;
      for (let k = 0; k < w.length; k++) h = Math.imul(h ^ w.charCodeAt(k), 16777619);
      let t = (h >>> 0) & (size - 1);
      while (this.#slots[t] !== 0) t = (t + 1) & (size - 1);
      this.#slots[t] = i + 1;
    });
  }

  get size(): number {
    return this.#index.size;
  }

  /** Index of a word as given (no lower-casing), or -1. */
  indexOf(word: string): number {
    return this.#index.get(word) ?? -1;
  }

  hasSpan(text: string, s: number, e: number): boolean {
    return this.indexOfSpan(text, s, e) >= 0;
  }

  /** Index of text[s..e) lower-cased, or -1. */
  indexOfSpan(text: string, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) {
      let c = text.charCodeAt(k);
      if (c >= 128) return this.indexOf(text.slice(s, e).toLowerCase());
      if (c >= 65 && c <= 90) c += 32;
      h = Math.imul(h ^ c, 16777619);
    }
    return this.indexOfAscii(text, s, e, h);
  }

  /**
   * Index of the ASCII span text[s..e) lower-cased, or -1, given its hash: FNV-1a (32-bit, from
   * 0x811c9dc5) of its lower-cased characters, as a tokenizer computes it while scanning.
   */
  indexOfAscii(text: string, s: number, e: number, hash: number): number {
    const mask = this.#slots.length - 1;
    const len = e - s;
    for (let t = (hash >>> 0) & mask; ; t = (t + 1) & mask) {
      const slot = this.#slots[t]!;
      if (slot === 0) return -1;
      const w = this.#words[slot - 1]!;
      if (w.length !== len) continue;
      let k = 0;
      for (; k < len; k++) {
        let c = text.charCodeAt(s + k);
        if (c >= 65 && c <= 90) c += 32;
        if (c !== w.charCodeAt(k)) break;
      }
      if (k === len) return slot - 1;
    }
  }
}
