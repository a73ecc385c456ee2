/**
 * One pass over a text for every descriptor whose value is a sum over its whitespace-free runs
 * ("tokens"): characters, non-letter share, sentences, words, syllables, profanity, CJK characters,
 * the PII pre-check, VADER's tokens and `!`/`?` counts, and eld's n-grams of the language sample.
 *
 * None of these looks across whitespace (words, VADER tokens, sentence ends, PII key prefixes and
 * eld's words all stop at it), so each token's part can be computed once and reused: tokens are
 * hashed as they are scanned and looked up in a bounded cache (natural text repeats its words —
 * a few thousand make up most of any corpus), and a token seen before costs its hash and one
 * comparison instead of a walk per descriptor. The cache holds at most {@link CAPACITY} tokens of
 * up to {@link MAX_CACHED} characters (longer ones are computed each time) and is emptied when
 * full, so memory stays flat (a few MB) whatever the data.
 *
 * Every part is computed by the same functions the descriptors use on a whole text, applied to
 * the token: the values are those of the per-text functions (src/golden.test.ts pins them,
 * src/token-pass.test.ts compares them on random texts).
 */
import type { LanguageDetector } from './language.js';
import { mayHavePii } from './pii.js';
import { isSpace, vaderScoreTokens, vaderSetToken, vaderTokenOf } from './sentiment.js';
import { charStats, LowerWordSet, syllablesOfSpans, WordSpans } from './text.js';

/** What a pass computes (a token's parts are computed for these only). */
export const P_WORDS = 1; // words (and, always, characters, non-letters and sentences)
export const P_SYLLABLES = 2;
export const P_PROFANITY = 4;
export const P_CJK = 8;
export const P_PII = 16;
export const P_VADER = 32;
export const P_LANGUAGE = 64;

/** Tokens the cache holds before it is emptied. */
export const CAPACITY = 1 << 15;
/** Longer tokens (URLs, base64, code) are computed on each use, not cached. */
export const MAX_CACHED = 48;

// Fields of a token's row in `data` (what a lookup reads first, then what it adds up).
const F_HASH = 0;
const F_KEY_LEN = 1;
const F_KEY_FROM = 2; // its characters are keys[from .. from + len)
const F_CHARS = 3; // code points (all non-whitespace in a token)
const F_NON_LETTER = 4;
const F_WORDS = 5;
const F_SYLLABLES = 6;
const F_PROFANE = 7;
const F_CJK = 8;
const F_BANGS = 9;
const F_QUESTIONS = 10;
const F_BITS = 11;
const F_V_START = 12;
const F_V_END = 13;
const F_V_ID = 14;
const F_V_FLAGS = 15;
const F_GRAMS_FROM = 16; // -1: not computed yet, -2: none (not ASCII)
const F_GRAMS_TO = 17;
const NF = 18;
// F_BITS
const B_TERMINATED = 1; // ends with . ! ? 。 ！ ？ (a sentence ends there, as whitespace or the end follows)
const B_PII = 2; // mayHavePii
const B_VADER = 4; // VADER keeps a token of it
const B_ASCII = 8;

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/gu;

/** ASCII whitespace as JavaScript's \s has it. */
const ASCII_SPACE = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_SPACE[c] = isSpace(c) ? 1 : 0;

export interface PassLanguage {
  detector: LanguageDetector;
  /** Characters of the text the detector reads. */
  sample: number;
}

export class TokenPass {
  // ---- results of the last run() ----
  /** Code points (whitespace included). */
  chars = 0;
  /** Non-whitespace characters. */
  total = 0;
  nonLetter = 0;
  /** Sentences (at least 1), as charStats counts them. */
  sentences = 1;
  words = 0;
  syllables = 0;
  profane = 0;
  cjk = 0;
  mayHavePii = false;
  /** VADER's compound score (P_VADER). */
  sentiment = 0;
  /** Tokens looked up, and those not in the cache, over every run (the policy's measure). */
  lookups = 0;
  misses = 0;
  /** When texts go through this pass, and when they are better described text by text. */
  readonly policy = new PassPolicy();
  /** eld's answer for the sample ('' none), or undefined when the sample needs the detector's own path (not ASCII). */
  language: string | undefined = undefined;

  readonly #mask: number;
  readonly #profanity: LowerWordSet;
  readonly #lang: PassLanguage | undefined;
  // ---- the cache: rows 0..CAPACITY-1, row CAPACITY is scratch for uncached tokens ----
  readonly #data = new Int32Array((CAPACITY + 1) * NF);
  #keys = new Uint16Array(1 << 16);
  #keysUsed = 0;
  /** Open addressing: row + 1, 0 = empty; grows with the rows (at most half full), so a small vocabulary stays in a small table. */
  #slots = new Int32Array(1 << 12);
  #rows = 0;
  #grams = new Int32Array(1 << 14);
  #gramsUsed = 0;
  readonly #spans = new WordSpans();
  readonly #vader = new Int32Array(4);

  constructor(mask: number, profanity: LowerWordSet, language?: PassLanguage) {
    this.#mask = mask;
    this.#profanity = profanity;
    this.#lang = mask & P_LANGUAGE ? language : undefined;
  }

  /** Tokens cached now (for tests). */
  get cached(): number {
    return this.#rows;
  }

  /**
   * Scan a text; the results are in the fields. `detectLanguage`: whether to detect the sample's
   * language (the caller checks the minimum length); `wholeText`: false when only the language is
   * wanted (the scan stops after the sample).
   */
  run(text: string, detectLanguage: boolean, wholeText = true): void {
    const data = this.#data;
    const n = text.length;
    const vader = (this.#mask & P_VADER) !== 0;
    const lang = detectLanguage ? this.#lang : undefined;
    const sample = lang ? (n < lang.sample ? n : lang.sample) : -1;
    let languageOk = lang !== undefined;
    if (lang) lang.detector.begin!();
    let spaces = 0;
    let total = 0;
    let nonLetter = 0;
    let sentences = 0;
    let has = false;
    let words = 0;
    let syllables = 0;
    let profane = 0;
    let cjk = 0;
    let bangs = 0;
    let questions = 0;
    let pii = false;
    let nv = 0;
    let tokens = 0;
    let i = 0;
    const end = wholeText ? n : sample;
    while (i < end) {
      let c = text.charCodeAt(i);
      if (c < 128 ? ASCII_SPACE[c] === 1 : isSpace(c)) {
        if (c >= 128 && i < sample) languageOk = false; // eld's ASCII path needs an ASCII sample
        spaces++; // whitespace is one code point
        i++;
        continue;
      }
      const s = i;
      let h = 0x811c9dc5;
      for (; i < n; i++) {
        c = text.charCodeAt(i);
        if (c < 128 ? ASCII_SPACE[c] === 1 : isSpace(c)) break;
        h = Math.imul(h ^ c, 16777619);
      }
      const row = this.#row(text, s, i, h);
      tokens++;
      const r = row * NF;
      total += data[r + F_CHARS]!;
      nonLetter += data[r + F_NON_LETTER]!;
      const w = data[r + F_WORDS]!;
      words += w;
      syllables += data[r + F_SYLLABLES]!;
      profane += data[r + F_PROFANE]!;
      cjk += data[r + F_CJK]!;
      bangs += data[r + F_BANGS]!;
      questions += data[r + F_QUESTIONS]!;
      const bits = data[r + F_BITS]!;
      // charStats' sentences: a piece ends at a run of terminators followed by whitespace or the end,
      // which can only be a token's end; it counts when it holds a letter or digit (a word).
      if (w > 0) has = true;
      if (bits & B_TERMINATED) {
        if (has) sentences++;
        has = false;
      }
      if (bits & B_PII) pii = true;
      if (vader && bits & B_VADER) vaderSetToken(nv++, s + data[r + F_V_START]!, s + data[r + F_V_END]!, data[r + F_V_ID]!, data[r + F_V_FLAGS]!);
      if (languageOk && s < sample) {
        const detector = lang!.detector;
        if (i < sample) {
          // a token followed by whitespace inside the sample
          if (row === CAPACITY) {
            const grams = data[r + F_BITS]! & B_ASCII ? detector.gramsOf!(text.slice(s, i)) : undefined;
            if (grams) detector.countGrams!(grams, 0, grams.length);
            else languageOk = false;
          } else {
            if (data[r + F_GRAMS_FROM] === -1) this.#gramsOf(row, text, s, i);
            const from = data[r + F_GRAMS_FROM]!;
            if (from < 0) languageOk = false; // not ASCII
            else detector.countGrams!(this.#grams, from, data[r + F_GRAMS_TO]!);
          }
        } else if (!detector.countLastRun!(text.slice(s, sample))) languageOk = false;
      }
    }
    if (has) sentences++;
    this.lookups += tokens;
    this.chars = total + spaces;
    this.total = total;
    this.nonLetter = nonLetter;
    this.sentences = sentences > 1 ? sentences : 1;
    this.words = words;
    this.syllables = syllables;
    this.profane = profane;
    this.cjk = cjk;
    this.mayHavePii = pii;
    this.sentiment = vader ? vaderScoreTokens(text, nv, bangs, questions) : 0;
    this.language = languageOk ? lang!.detector.finish!() : undefined;
  }

  /** The row of text[s..e) (hash h): cached, or computed (and cached when short enough). Small, so it is inlined; a miss goes to #add. */
  #row(text: string, s: number, e: number, h: number): number {
    const len = e - s;
    const data = this.#data;
    const slots = this.#slots;
    const mask = slots.length - 1;
    const keys = this.#keys;
    for (let t = h & mask; ; t = (t + 1) & mask) {
      const slot = slots[t]!;
      if (slot === 0) return this.#add(text, s, e, h);
      const r = (slot - 1) * NF;
      if (data[r + F_HASH] !== h || data[r + F_KEY_LEN] !== len) continue;
      const from = data[r + F_KEY_FROM]!;
      let k = 0;
      while (k < len && keys[from + k] === text.charCodeAt(s + k)) k++;
      if (k === len) return slot - 1;
    }
  }

  /** A token not in the cache: its row, computed (in the scratch row when too long to cache). */
  #add(text: string, s: number, e: number, h: number): number {
    this.misses++;
    const len = e - s;
    if (len > MAX_CACHED) {
      this.#fill(CAPACITY, text.slice(s, e));
      return CAPACITY;
    }
    const data = this.#data;
    if (this.#rows === CAPACITY) this.#clear();
    else if (2 * (this.#rows + 1) > this.#slots.length) {
      // grow the table (rehash every row)
      const grown = new Int32Array(this.#slots.length * 2);
      const m = grown.length - 1;
      for (let row = 0; row < this.#rows; row++) {
        let t = data[row * NF + F_HASH]! & m;
        while (grown[t] !== 0) t = (t + 1) & m;
        grown[t] = row + 1;
      }
      this.#slots = grown;
    }
    const slots = this.#slots;
    const mask = slots.length - 1;
    const row = this.#rows++;
    if (this.#keysUsed + len > this.#keys.length) {
      const grown = new Uint16Array(this.#keys.length * 2);
      grown.set(this.#keys);
      this.#keys = grown;
    }
    const from = this.#keysUsed;
    for (let k = 0; k < len; k++) this.#keys[from + k] = text.charCodeAt(s + k);
    this.#keysUsed += len;
    data[row * NF + F_KEY_FROM] = from;
    data[row * NF + F_KEY_LEN] = len;
    data[row * NF + F_HASH] = h;
    let t = h & mask;
    while (slots[t] !== 0) t = (t + 1) & mask;
    slots[t] = row + 1;
    this.#fill(row, text.slice(s, e));
    return row;
  }

  #clear(): void {
    this.#slots.fill(0);
    this.#rows = 0;
    this.#keysUsed = 0;
    this.#gramsUsed = 0;
  }

  /** A token's parts, by the per-text functions applied to it. */
  #fill(row: number, token: string): void {
    const data = this.#data;
    const mask = this.#mask;
    const r = row * NF;
    const stats = charStats(token);
    data[r + F_CHARS] = stats[0]!; // = stats[1]: a token has no whitespace
    data[r + F_NON_LETTER] = stats[2]!;
    const spans = this.#spans;
    const w = spans.scan(token);
    data[r + F_WORDS] = w;
    data[r + F_SYLLABLES] = mask & P_SYLLABLES && w > 0 ? syllablesOfSpans(token, spans.starts, spans.ends, w) : 0;
    let bad = 0;
    if (mask & P_PROFANITY) for (let k = 0; k < w; k++) if (this.#profanity.hasSpan(token, spans.starts[k]!, spans.ends[k]!)) bad++;
    data[r + F_PROFANE] = bad;
    let ascii = true;
    let bangs = 0;
    let questions = 0;
    for (let k = 0; k < token.length; k++) {
      const c = token.charCodeAt(k);
      if (c === 33) bangs++;
      else if (c === 63) questions++;
      else if (c >= 128) ascii = false;
    }
    data[r + F_CJK] = mask & P_CJK && !ascii ? (token.match(CJK)?.length ?? 0) : 0;
    data[r + F_BANGS] = bangs;
    data[r + F_QUESTIONS] = questions;
    const last = token.charCodeAt(token.length - 1);
    let bits = last === 46 || last === 33 || last === 63 || last === 0x3002 || last === 0xff01 || last === 0xff1f ? B_TERMINATED : 0;
    if (mask & P_PII && mayHavePii(token)) bits |= B_PII;
    if (ascii) bits |= B_ASCII;
    if (mask & P_VADER && vaderTokenOf(token, this.#vader)) {
      bits |= B_VADER;
      data[r + F_V_START] = this.#vader[0]!;
      data[r + F_V_END] = this.#vader[1]!;
      data[r + F_V_ID] = this.#vader[2]!;
      data[r + F_V_FLAGS] = this.#vader[3]!;
    }
    data[r + F_BITS] = bits;
    data[r + F_GRAMS_FROM] = -1;
    data[r + F_GRAMS_TO] = -1;
  }

  /** eld's n-gram entries of the token in `row` (text[s..e), followed by whitespace); from = -2 when not ASCII. */
  #gramsOf(row: number, text: string, s: number, e: number): void {
    const data = this.#data;
    const r = row * NF;
    const grams = (data[r + F_BITS]! & B_ASCII ? this.#lang!.detector.gramsOf!(text.slice(s, e)) : undefined);
    if (!grams) {
      data[r + F_GRAMS_FROM] = -2;
      return;
    }
    if (this.#gramsUsed + grams.length > this.#grams.length) {
      const grown = new Int32Array(Math.max(this.#grams.length * 2, this.#gramsUsed + grams.length));
      grown.set(this.#grams.subarray(0, this.#gramsUsed));
      this.#grams = grown;
    }
    this.#grams.set(grams, this.#gramsUsed);
    data[r + F_GRAMS_FROM] = this.#gramsUsed;
    data[r + F_GRAMS_TO] = this.#gramsUsed + grams.length;
    this.#gramsUsed += grams.length;
  }
}

/** Texts per check of the pass's miss rate. */
const CHECK_EVERY = 32;
/** The most texts described text by text before the pass is tried again. */
const MAX_BYPASS = 1024;
/**
 * A token not yet cached costs the pass about 2.5x a cached one, and about twice what the per-text
 * functions spend on it; above this share of new tokens the per-text path is faster.
 */
const MISS_LIMIT = 0.25;

/**
 * Whether a text goes through the token pass. The pass wins when most tokens are cached (natural
 * text after its first few hundred responses); on text whose tokens are mostly new (ids, hashes,
 * code, a cold cache) the per-text functions are faster. Every CHECK_EVERY texts through the pass,
 * the share of new tokens is measured; above MISS_LIMIT the next texts are described text by text,
 * for a span that doubles while the share stays high (up to MAX_BYPASS), so the cache still warms
 * and a change of vocabulary is noticed. Both paths give identical values.
 */
let policyMode: 'adaptive' | 'always' = 'adaptive';
/** Tests: `always` sends every text through the pass (to test the pass itself). */
export function setPassPolicyMode(mode: 'adaptive' | 'always'): void {
  policyMode = mode;
}

export class PassPolicy {
  #since = 0;
  #lookups = 0;
  #misses = 0;
  #skip = 0;
  #backoff = CHECK_EVERY;
  /** Texts described without the pass (for tests and diagnostics). */
  bypassed = 0;

  /** Whether the next text goes through the pass. */
  use(): boolean {
    if (this.#skip === 0 || policyMode === 'always') return true;
    this.#skip--;
    this.bypassed++;
    return false;
  }

  /** After a text went through `pass`. */
  ran(pass: TokenPass): void {
    if (++this.#since < CHECK_EVERY) return;
    const lookups = pass.lookups - this.#lookups;
    const misses = pass.misses - this.#misses;
    this.#since = 0;
    this.#lookups = pass.lookups;
    this.#misses = pass.misses;
    if (lookups > 0 && misses > MISS_LIMIT * lookups) {
      this.#skip = this.#backoff;
      this.#backoff = Math.min(2 * this.#backoff, MAX_BYPASS);
    } else this.#backoff = CHECK_EVERY;
  }
}
