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
}

const BASE_NGRAM_SCORE = 53; // eld subtracts this from every stored score to shrink its database

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
  // n-gram → [lang, score + 53, lang, score + 53, …], converted on first use; only n-grams in the
  // database are kept, so the cache is bounded by its size. `gen` marks the last detect() that
  // counted an n-gram (eld counts each distinct n-gram once per text); unknown ones add nothing.
  const cache = new Map<string, { scores: Int32Array; gen: number }>();
  const entry = (gram: string): { scores: Int32Array; gen: number } | undefined => {
    let e = cache.get(gram);
    if (e !== undefined) return e;
    if (!Object.hasOwn(data.ngrams, gram)) return undefined;
    const raw = data.ngrams[gram]!;
    const keys = Object.keys(raw);
    const scores = new Int32Array(keys.length * 2);
    keys.forEach((k, i) => {
      scores[2 * i] = Number(k);
      scores[2 * i + 1] = raw[k]! + BASE_NGRAM_SCORE;
    });
    e = { scores, gen: 0 };
    cache.set(gram, e);
    return e;
  };
  let gen = 0;
  let subset: Uint8Array | undefined;
  const scores = new Float64Array(nLang);

  /** eld's strToUtf8Bytes: words as strings of byte characters, cut near 350 bytes. */
  const byteWords = (str: string): string[] => {
    let encoded = '';
    const words: string[] = [];
    let countBytes = 0;
    for (let ii = 0; ii < str.length; ii++) {
      let c = str.charCodeAt(ii);
      if (c < 0x80) {
        if (c === 32) {
          if (encoded !== '') {
            words.push(encoded);
            encoded = '';
          }
          if (countBytes > 350) break;
        } else encoded += str[ii];
        countBytes++;
      } else if (c < 0x800) {
        encoded += dictionary[0xc0 | (c >> 6)]! + dictionary[0x80 | (c & 0x3f)]!;
        countBytes += 2;
      } else if (c < 0xd800 || c >= 0xe000) {
        encoded += dictionary[0xe0 | (c >> 12)]! + dictionary[0x80 | ((c >> 6) & 0x3f)]! + dictionary[0x80 | (c & 0x3f)]!;
        countBytes += 3;
      } else {
        ii++;
        c = 0x10000 + (((c & 0x3ff) << 10) | (str.charCodeAt(ii) & 0x3ff));
        encoded += dictionary[0xf0 | (c >> 18)]! + dictionary[0x80 | ((c >> 12) & 0x3f)]! + dictionary[0x80 | ((c >> 6) & 0x3f)]! + dictionary[0x80 | (c & 0x3f)]!;
        countBytes += 4;
      }
      if (countBytes > 380) break;
    }
    if (encoded !== '') words.push(encoded);
    return words;
  };

  const add = (gram: string) => {
    const e = entry(gram);
    if (e === undefined || e.gen === gen) return;
    e.gen = gen;
    const sc = e.scores;
    for (let k = 0; k < sc.length; k += 2) scores[sc[k]!]! += sc[k + 1]!;
  };

  return {
    fast: true,
    detect(text) {
      const words = byteWords(text.substring(0, 1000).replace(separators, ' ').trim().toLowerCase());
      scores.fill(0);
      gen++;
      for (const word of words) {
        const len = word.length > 70 ? 70 : word.length;
        let j = 0;
        for (; j + 4 < len; j += 3) add((j === 0 ? ' ' : '') + word.substring(j, j + 4));
        add((j === 0 ? ' ' : '') + word.substring(len !== 3 ? len - 4 : 0) + ' ');
      }
      // eld's getMaxLang: the first index with the highest positive score (subset: only those).
      let best = -1;
      let max = 0;
      for (let i = 0; i < nLang; i++) {
        const v = scores[i]!;
        if (subset && !subset[i]) continue;
        if (v > 0 && v > max) {
          max = v;
          best = i;
        }
      }
      return best < 0 ? '' : codes[best]!;
    },
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
