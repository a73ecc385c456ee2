/**
 * Language detection with eld's algorithm and eld's own "small" n-gram database (60 languages),
 * scored with typed arrays instead of eld's object walk: the same answers as `eld.detect(text).language`
 * (a test compares them on every hand-labelled text and on random samples), several times faster.
 *
 * eld (pinned to 2.1.0) does not export its database module, so it is found next to eld's entry
 * file; when that fails (another layout), {@link createLanguageDetector} falls back to `eld.detect`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface EldData {
  type: string;
  languages: Record<string, string>;
  ngrams: Record<string, Record<string, number>>;
}

/** The eld package directory: the nearest node_modules/eld above this module (as Node resolves it). */
function eldDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'node_modules', 'eld');
    if (existsSync(join(candidate, 'src', 'ngrams', 'small.js'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export interface LanguageDetector {
  /** ISO 639-1 code, or '' when no language scores. */
  detect(text: string): string;
  /** Restrict to these codes; returns the codes kept (those eld knows). */
  setSubset(codes: readonly string[]): string[];
  /** true when the fast path (eld's data, own scoring) is used. */
  fast: boolean;
  // Detection from per-run parts (fast path only), for a caller that caches them per whitespace-free
  // run: for an ASCII sample, begin(), then the grams of each run followed by whitespace (gramsOf),
  // then countLastRun of the run that ends the sample (if any), then finish() = detect(sample). A run
  // cannot change another run's words: eld's separators turn whitespace into a word boundary.
  /**
   * The n-grams of a whitespace-free ASCII run followed by whitespace that are in the database, as
   * countGrams reads them (each: its entry, the length of its scores, the scores); undefined when
   * the run is not ASCII.
   */
  gramsOf?(run: string): Int32Array | undefined;
  begin?(): void;
  countGrams?(grams: Int32Array, from: number, to: number): void;
  /** Count the n-grams of the run that ends the sample; false (nothing counted) when it is not ASCII. */
  countLastRun?(run: string): boolean;
  finish?(): string;
}

const BASE_NGRAM_SCORE = 53;

/** Slot hash of an n-gram key (< 2^49): mixes its high and low parts. */
function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return h >>> 0;
}
 // eld subtracts this from every stored score to shrink its database

/** A detector with eld's results; the fast scorer when eld's files are where eld 2.1.0 puts them. */
export async function createLanguageDetector(): Promise<LanguageDetector> {
  const dir = eldDir();
  if (dir) {
    try {
      const url = (p: string) => pathToFileURL(join(dir, 'src', p)).href;
      const [{ ngramsData }, { dictionary }, { separators }] = (await Promise.all([
        import(url('ngrams/small.js')),
        import(url('dictionary.js')),
        import(url('regexPatterns.js')),
      ])) as [{ ngramsData: EldData }, { dictionary: string[] }, { separators: RegExp }];
      if (ngramsData?.ngrams && Array.isArray(dictionary) && separators instanceof RegExp) return fastDetector(ngramsData, dictionary, separators);
    } catch {
      // fall through to eld's own detect
    }
  }
  const eld = (await import('eld/small')).eld.newInstance();
  return {
    fast: false,
    detect: (text) => eld.detect(text).language,
    setSubset: (codes) => Object.values(eld.setLanguageSubset([...codes])),
  };
}

function fastDetector(data: EldData, dictionary: readonly string[], separators: RegExp): LanguageDetector {
  const codes: string[] = [];
  for (const [k, v] of Object.entries(data.languages)) codes[Number(k)] = v;
  const nLang = codes.length;
  // Database entries, converted on first use: entry i's scores are [lang, score + 53, …] and
  // gens[i] the last detect() that counted it (eld counts each distinct n-gram once per text).
  // Only n-grams in the database get an entry, so these stay bounded by its size.
  const entryOf = new Map<string, number>();
  const entryScores: Int32Array[] = [];
  let gens = new Int32Array(1024);
  const entry = (gram: string): number => {
    const known = entryOf.get(gram);
    if (known !== undefined) return known;
    if (!Object.hasOwn(data.ngrams, gram)) return -1;
    const raw = data.ngrams[gram]!;
    const keys = Object.keys(raw);
    const scores = new Int32Array(keys.length * 2);
    keys.forEach((k, i) => {
      scores[2 * i] = Number(k);
      scores[2 * i + 1] = raw[k]! + BASE_NGRAM_SCORE;
    });
    const index = entryScores.length;
    entryScores.push(scores);
    if (index >= gens.length) {
      const grown = new Int32Array(gens.length * 2);
      grown.set(gens);
      gens = grown;
    }
    entryOf.set(gram, index);
    return index;
  };

  // N-grams of up to 6 bytes (all but the tail of a word longer than 70 bytes) are looked up by an
  // integer key, without building their string: the bytes (+1, with the spaces eld adds) in base
  // 257, which is < 2^49 and one-to-one. An open-addressing table maps keys to the entry index, or
  // to "not in the database" (-1); absent keys are remembered only while the table is below its
  // cap, so memory stays bounded (~12 MB at most) whatever the texts.
  const MAX_SLOTS = 1 << 20;
  let tKeys = new Float64Array(1 << 14);
  let tVals = new Int32Array(1 << 14);
  let tUsed = 0;
  const insert = (key: number, hash: number, value: number): void => {
    let mask = tKeys.length - 1;
    if (2 * (tUsed + 1) > tKeys.length) {
      if (tKeys.length >= MAX_SLOTS) {
        if (value < 0) return; // full: stop remembering absent keys
      } else {
        const oldK = tKeys;
        const oldV = tVals;
        tKeys = new Float64Array(oldK.length * 2);
        tVals = new Int32Array(oldK.length * 2);
        mask = tKeys.length - 1;
        for (let s = 0; s < oldK.length; s++) {
          const k = oldK[s]!;
          if (k === 0) continue;
          let t = hashKey(k) & mask;
          while (tKeys[t] !== 0) t = (t + 1) & mask;
          tKeys[t] = k;
          tVals[t] = oldV[s]!;
        }
      }
    }
    if (4 * tUsed > 3 * tKeys.length) return; // never fill the capped table beyond 3/4
    let t = hash & mask;
    while (tKeys[t] !== 0) t = (t + 1) & mask;
    tKeys[t] = key;
    tVals[t] = value;
    tUsed++;
  };

  let gen = 0;
  let subset: Uint8Array | undefined;
  const scores = new Float64Array(nLang);
  const count = (e: number): void => {
    if (e < 0 || gens[e] === gen) return;
    gens[e] = gen;
    const sc = entryScores[e]!;
    for (let k = 0; k < sc.length; k += 2) scores[sc[k]!]! += sc[k + 1]!;
  };

  // eld's strToUtf8Bytes, as bytes: buf holds the UTF-8 bytes of the words (no spaces), word w is
  // buf[starts[w] .. starts[w + 1]); cut near 350 bytes exactly as eld cuts.
  const buf = new Uint8Array(1024);
  const starts = new Int32Array(512);
  let nWords = 0;
  const byteWords = (str: string): void => {
    let n = 0;
    let wordStart = 0;
    nWords = 0;
    let countBytes = 0;
    for (let ii = 0; ii < str.length; ii++) {
      let c = str.charCodeAt(ii);
      if (c < 0x80) {
        if (c === 32) {
          if (n > wordStart) {
            starts[nWords++] = wordStart;
            wordStart = n;
          }
          if (countBytes > 350) break;
        } else buf[n++] = c;
        countBytes++;
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 0x3f);
        countBytes += 2;
      } else if (c < 0xd800 || c >= 0xe000) {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
        countBytes += 3;
      } else {
        ii++;
        c = 0x10000 + (((c & 0x3ff) << 10) | (str.charCodeAt(ii) & 0x3ff));
        buf[n++] = 0xf0 | (c >> 18);
        buf[n++] = 0x80 | ((c >> 12) & 0x3f);
        buf[n++] = 0x80 | ((c >> 6) & 0x3f);
        buf[n++] = 0x80 | (c & 0x3f);
        countBytes += 4;
      }
      if (countBytes > 380) break;
    }
    if (n > wordStart) starts[nWords++] = wordStart;
    starts[nWords] = n;
  };

  /**
   * The same words for a text whose first 1,000 characters are ASCII, straight from the text:
   * eld's `replace(separators, ' ')` (a run of non-letters becomes one space followed by the run's
   * trailing apostrophes or backticks, which the separator's look-behind leaves; a run of only
   * those stays), `trim()`, `toLowerCase()` and the byte split, in one pass. false when not ASCII.
   */
  const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  const asciiWords = (text: string): boolean => {
    const len = text.length < 1000 ? text.length : 1000;
    for (let k = 0; k < len; k++) if (text.charCodeAt(k) >= 128) return false;
    // The cleaned text's bytes go through byteWords' loop (inlined below as `put`): a space ends a
    // word and stops reading past 350 bytes; reading stops past 380 bytes.
    let n = 0;
    let wordStart = 0;
    let countBytes = 0;
    let words = 0;
    let leading = true; // trim(): nothing but replaced runs emitted yet
    let i = 0;
    scan: while (i < len) {
      const c = text.charCodeAt(i);
      if (isAsciiLetter(c)) {
        buf[n++] = c <= 90 ? c + 32 : c;
        leading = false;
        i++;
        if (++countBytes > 380) break;
        continue;
      }
      let r = i + 1;
      while (r < len && !isAsciiLetter(text.charCodeAt(r))) r++;
      let q = r;
      while (q > i && (text.charCodeAt(q - 1) === 39 || text.charCodeAt(q - 1) === 96)) q--;
      if (q > i && !leading) {
        // the space that replaces the run
        if (n > wordStart) {
          starts[words++] = wordStart;
          wordStart = n;
        }
        if (countBytes > 350) break;
        if (++countBytes > 380) break;
      }
      for (let k = q === i ? i : q; k < r; k++) {
        buf[n++] = text.charCodeAt(k); // apostrophes and backticks (never a space)
        leading = false;
        if (++countBytes > 380) break scan;
      }
      i = r;
    }
    if (n > wordStart) starts[words++] = wordStart;
    starts[words] = n;
    nWords = words;
    return true;
  };

  /** The n-gram's string as eld builds it (ASCII bytes as themselves, others through eld's dictionary). */
  const gramString = (from: number, to: number, lead: boolean, trail: boolean): string => {
    let s = lead ? ' ' : '';
    for (let k = from; k < to; k++) {
      const b = buf[k]!;
      s += b < 0x80 ? String.fromCharCode(b) : dictionary[b]!;
    }
    return trail ? `${s} ` : s;
  };

  /** The database entry of the n-gram buf[from..to) (with eld's leading/trailing space), or -1. */
  const gramEntry = (from: number, to: number, lead: boolean, trail: boolean): number => {
    if (to - from > 4) return entry(gramString(from, to, lead, trail)); // a long word's tail: rare, by string
    let key = lead ? 33 : 0;
    for (let k = from; k < to; k++) {
      const b = buf[k]! + 1;
      key = key * 257 + b;
    }
    if (trail) {
      key = key * 257 + 33;
    }
    const hash = hashKey(key);
    const mask = tKeys.length - 1;
    let t = hash & mask;
    for (;;) {
      const k = tKeys[t]!;
      if (k === key) return tVals[t]!;
      if (k === 0) break;
      t = (t + 1) & mask;
    }
    const e = entry(gramString(from, to, lead, trail));
    insert(key, hash, e);
    return e;
  };

  /** eld's n-grams of the words in buf/starts (each word: 4-byte windows every 3 bytes, then its tail), to `use`. */
  const eachGram = (use: (e: number) => void): void => {
    for (let w = 0; w < nWords; w++) {
      const s = starts[w]!;
      const wordLen = starts[w + 1]! - s;
      const len = wordLen > 70 ? 70 : wordLen;
      let j = 0;
      for (; j + 4 < len; j += 3) use(gramEntry(s + j, s + j + 4, j === 0, false));
      // eld: word.substring(len !== 3 ? len - 4 : 0) + ' ' (a negative start is 0; the end is the word's)
      const from = len !== 3 ? Math.max(0, len - 4) : 0;
      use(gramEntry(s + from, s + wordLen, j === 0, true));
    }
  };

  // eld's getMaxLang: the first index with the highest positive score (subset: only those).
  const best = (): string => {
    let top = -1;
    let max = 0;
    for (let i = 0; i < nLang; i++) {
      const v = scores[i]!;
      if (subset && !subset[i]) continue;
      if (v > 0 && v > max) {
        max = v;
        top = i;
      }
    }
    return top < 0 ? '' : codes[top]!;
  };

  // gramsOf's list: per n-gram in the database, its entry, the length of its scores and the scores
  // ([lang, score + 53] pairs), so counting reads one contiguous array instead of an array per n-gram.
  let collected: number[] = [];
  const collect = (e: number): void => {
    if (e < 0) return;
    const sc = entryScores[e]!;
    collected.push(e, sc.length);
    for (let k = 0; k < sc.length; k++) collected.push(sc[k]!);
  };

  return {
    fast: true,
    detect(text) {
      if (!asciiWords(text)) byteWords(text.substring(0, 1000).replace(separators, ' ').trim().toLowerCase());
      scores.fill(0);
      gen++;
      eachGram(count);
      return best();
    },
    gramsOf(run) {
      if (!asciiWords(`${run} `)) return undefined;
      collected = [];
      eachGram(collect);
      return Int32Array.from(collected);
    },
    begin() {
      scores.fill(0);
      gen++;
    },
    countGrams(grams, from, to) {
      for (let k = from; k < to; ) {
        const e = grams[k]!;
        const end = k + 2 + grams[k + 1]!;
        if (gens[e] === gen) {
          k = end;
          continue;
        }
        gens[e] = gen;
        for (k += 2; k < end; k += 2) scores[grams[k]!]! += grams[k + 1]!;
      }
    },
    countLastRun(run) {
      if (!asciiWords(run)) return false;
      eachGram(count);
      return true;
    },
    finish: best,
    setSubset(wanted) {
      const mask = new Uint8Array(nLang);
      const kept: string[] = [];
      codes.forEach((c, i) => {
        if (wanted.includes(c)) {
          mask[i] = 1;
          kept.push(c);
        }
      });
      subset = kept.length ? mask : undefined;
      return kept;
    },
  };
}
