/**
 * Sentiment: VADER (Hutto & Gilbert, 2014), a lexicon and rule-based scorer made for short social
 * texts. The lexicon (7,500 scored words and emoticons) comes from the `vader-sentiment` npm package
 * (Apache-2.0); the rules (booster words, negation within three words, ALL-CAPS emphasis, "but",
 * "least", exclamation and question marks, normalisation x/√(x²+15)) are ported from that package's
 * `polarity_scores` to run on our own word split, an order of magnitude faster. As in the Python reference
 * (vaderSentiment 3.3), negations and "but" are matched case-insensitively. Output: the compound score in
 * [−1, 1]; ≥ 0.05 is conventionally positive, ≤ −0.05 negative. English only.
 */
import { LowerWordSet } from './text.js';

let LEXICON = new Map<string, number>();

/** Load the VADER lexicon (on first use, so the plugin module stays light). */
export async function loadVaderLexicon(): Promise<void> {
  if (LEXICON.size > 0) return;
  const mod = (await import('vader-sentiment/src/vader_lexicon.js' as string)) as { lexicon: Record<string, number> };
  LEXICON = new Map(Object.entries(mod.lexicon));
  buildVocabulary();
}

const B_INCR = 0.293;
const B_DECR = -0.293;
const C_INCR = 0.733;
const N_SCALAR = -0.74;

const NEGATE = new Set([
  'aint', 'arent', 'cannot', 'cant', 'couldnt', 'darent', 'didnt', 'doesnt', "ain't", "aren't", "can't", "couldn't", "daren't", "didn't",
  "doesn't", 'dont', 'hadnt', 'hasnt', 'havent', 'isnt', 'mightnt', 'mustnt', 'neither', "don't", "hadn't", "hasn't", "haven't", "isn't",
  "mightn't", "mustn't", 'neednt', "needn't", 'never', 'none', 'nope', 'nor', 'not', 'nothing', 'nowhere', 'oughtnt', 'shant', 'shouldnt',
  'uhuh', 'wasnt', 'werent', "oughtn't", "shan't", "shouldn't", 'uh-uh', "wasn't", "weren't", 'without', 'wont', 'wouldnt', "won't",
  "wouldn't", 'rarely', 'seldom', 'despite',
]);

const BOOSTER = new Map<string, number>([
  ...['absolutely', 'amazingly', 'awfully', 'completely', 'considerably', 'decidedly', 'deeply', 'effing', 'enormously', 'entirely',
    'especially', 'exceptionally', 'extremely', 'fabulously', 'flipping', 'flippin', 'fricking', 'frickin', 'frigging', 'friggin', 'fully',
    'fucking', 'greatly', 'hella', 'highly', 'hugely', 'incredibly', 'intensely', 'majorly', 'more', 'most', 'particularly', 'purely',
    'quite', 'really', 'remarkably', 'so', 'substantially', 'thoroughly', 'totally', 'tremendously', 'uber', 'unbelievably', 'unusually',
    'utterly', 'very'].map((w) => [w, B_INCR] as const),
  ...['almost', 'barely', 'hardly', 'just enough', 'kind of', 'kinda', 'kindof', 'kind-of', 'less', 'little', 'marginally', 'occasionally',
    'partly', 'scarcely', 'slightly', 'somewhat', 'sort of', 'sorta', 'sortof', 'sort-of'].map((w) => [w, B_DECR] as const),
]);

const IDIOMS = new Map<string, number>([
  ['the shit', 3], ['the bomb', 3], ['bad ass', 1.5], ['yeah right', -2], ['cut the mustard', 2], ['kiss of death', -1.5], ['hand to mouth', -2],
]);

function isEdgePunct(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 44 || c === 59 || c === 58 || c === 45 || c === 39 || c === 34;
}

/** JavaScript's `\s` (the separator VADER's split used here): ASCII whitespace and the Unicode spaces. */
export function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A content word of each idiom and multi-word booster (none is a stop word): only windows containing one need the idiom check. */
const IDIOM_WORDS = new Set(['shit', 'bomb', 'bad', 'ass', 'yeah', 'right', 'cut', 'mustard', 'kiss', 'death', 'hand', 'mouth', 'just', 'enough', 'kind', 'sort']);

// ---- The vocabulary: every lower-case word the rules look up, with an id --------------------------
// Tokens are matched against it without building their string (a LowerWordSet: an ASCII token's
// lower-cased characters are hashed as the tokenizer scans them and compared with the stored word;
// a token with other characters is lower-cased as a string), so the answer is always that of
// `LEXICON.get(token.toLowerCase())` and friends.
const F_NEGATE = 1;
const F_IDIOM = 2;
const F_BOOSTER = 4;
let VOCAB = new LowerWordSet([]);
let VALENCE = new Float64Array(0); // lexicon valence, NaN when not in the lexicon
let BOOST = new Float64Array(0); // booster scalar, 0 when none
let FLAGS = new Uint8Array(0);
let ID_BUT = -1;
let ID_LEAST = -1;
let ID_KIND = -1;
let ID_OF = -1;
let ID_AT = -1;
let ID_VERY = -1;
let ID_NEVER = -1;
let ID_SO = -1;
let ID_THIS = -1;
let LEAST_IN_LEXICON = false;

function buildVocabulary(): void {
  const phrases = [...IDIOMS.keys(), ...[...BOOSTER.keys()].filter((k) => k.includes(' '))].map((k) => k.split(' '));
  const words = new Set<string>([...LEXICON.keys(), ...BOOSTER.keys(), ...NEGATE, ...IDIOM_WORDS, ...phrases.flat(), 'but', 'least', 'kind', 'of', 'at', 'very', 'never', 'so', 'this']);
  VOCAB = new LowerWordSet(words);
  VALENCE = new Float64Array(VOCAB.size).fill(Number.NaN);
  BOOST = new Float64Array(VOCAB.size);
  FLAGS = new Uint8Array(VOCAB.size);
  [...words].forEach((w, i) => {
    const v = LEXICON.get(w);
    if (v !== undefined) VALENCE[i] = v;
    const b = BOOSTER.get(w);
    if (b !== undefined) {
      BOOST[i] = b;
      FLAGS[i]! |= F_BOOSTER;
    }
    if (NEGATE.has(w)) FLAGS[i]! |= F_NEGATE;
    if (IDIOM_WORDS.has(w)) FLAGS[i]! |= F_IDIOM;
  });
  const id = (w: string) => VOCAB.indexOf(w);
  [ID_BUT, ID_LEAST, ID_KIND, ID_OF, ID_AT, ID_VERY, ID_NEVER, ID_SO, ID_THIS] = ['but', 'least', 'kind', 'of', 'at', 'very', 'never', 'so', 'this'].map(id) as [number, number, number, number, number, number, number, number, number];
  LEAST_IN_LEXICON = LEXICON.has('least');
  PAIRS = new Set(phrases.flatMap((ws) => ws.slice(1).map((w, k) => id(ws[k]!) * 65536 + id(w))));
}

/** Adjacent word pairs (ids) of the idioms and multi-word boosters. */
let PAIRS = new Set<number>();

// ---- Tokens of the current text, in reused arrays ------------------------------------------------
const T_UPPER = 1; // Python's str.isupper() as VADER uses it: some A–Z and no a–z
const T_OTHER = 2; // has a non-ASCII character
const T_SOME_UPPER = 4; // has an A–Z
let tStart = new Int32Array(256);
let tEnd = new Int32Array(256);
let tId = new Int32Array(256);
let tFlags = new Uint8Array(256);

function grow(): void {
  const n = tStart.length * 2;
  const g = <T extends Int32Array | Uint8Array>(a: T, b: T): T => {
    b.set(a);
    return b;
  };
  tStart = g(tStart, new Int32Array(n));
  tEnd = g(tEnd, new Int32Array(n));
  tId = g(tId, new Int32Array(n));
  tFlags = g(tFlags, new Uint8Array(n));
}

const C_SPACE = 1;
const C_UPPER = 2;
const C_LOWER = 3;
/** ASCII character classes for the tokenizer: whitespace, A–Z, a–z, other. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_CLASS[c] = isSpace(c) ? C_SPACE : c >= 65 && c <= 90 ? C_UPPER : c >= 97 && c <= 122 ? C_LOWER : 0;

/** Id of text[s..e) lower-cased, or -1 (`hash`: of the lower-cased span, when ASCII). */
function lookup(text: string, s: number, e: number, ascii: boolean, hash: number): number {
  return ascii ? VOCAB.indexOfAscii(text, s, e, hash) : VOCAB.indexOfSpan(text, s, e);
}

/**
 * VADER's split — whitespace tokens longer than one character, leading/trailing punctuation
 * removed unless that leaves one character or none — as spans of the text, with each token's
 * vocabulary id and case. Returns the number of tokens.
 */
function tokenize(text: string): number {
  let n = 0;
  const len = text.length;
  // The runs of non-space characters, as text.split(/\s+/) gives them (without the empty ends),
  // hashed (lower-cased) as they are scanned.
  for (let i = 0; i < len; ) {
    while (i < len && isSpace(text.charCodeAt(i))) i++;
    if (i >= len) break;
    let s = i;
    let hash = 0x811c9dc5;
    let ascii = true;
    let upper = false;
    let lower = false;
    let j = i;
    for (; j < len; j++) {
      let c = text.charCodeAt(j);
      if (c < 128) {
        const k = ASCII_CLASS[c]!;
        if (k === C_SPACE) break;
        if (k === C_UPPER) {
          upper = true;
          c += 32;
        } else if (k === C_LOWER) lower = true;
      } else {
        if (isSpace(c)) break;
        ascii = false;
      }
      hash = Math.imul(hash ^ c, 16777619);
    }
    let e = j;
    i = j;
    if (e - s <= 1) continue;
    if (isEdgePunct(text.charCodeAt(s)) || isEdgePunct(text.charCodeAt(e - 1))) {
      // raw.replace(/^[.!?,;:\-'"]+|[.!?,;:\-'"]+$/g, ''), kept when longer than one character;
      // the stripped characters are ASCII punctuation, so only the hash changes
      let a = s;
      while (a < e && isEdgePunct(text.charCodeAt(a))) a++;
      let b = e;
      while (b > a && isEdgePunct(text.charCodeAt(b - 1))) b--;
      if (b - a > 1) {
        s = a;
        e = b;
        hash = 0x811c9dc5;
        for (let k = s; k < e; k++) {
          const c = text.charCodeAt(k);
          hash = Math.imul(hash ^ (c >= 65 && c <= 90 ? c + 32 : c), 16777619);
        }
      }
    }
    if (n === tStart.length) grow();
    tStart[n] = s;
    tEnd[n] = e;
    tId[n] = lookup(text, s, e, ascii, hash >>> 0);
    tFlags[n] = (upper && !lower ? T_UPPER : 0) | (ascii ? 0 : T_OTHER) | (upper ? T_SOME_UPPER : 0);
    n++;
  }
  return n;
}

/** Token t is exactly `word` (case-sensitive, as VADER compares these), whose id is `id`. */
function exactly(text: string, t: number, id: number, word: string): boolean {
  return t >= 0 && tId[t] === id && tEnd[t]! - tStart[t]! === word.length && text.startsWith(word, tStart[t]);
}

/** VADER's negated(): a negation word, or any word containing "n't" (lower-cased). */
function negated(text: string, t: number): boolean {
  const id = tId[t]!;
  if (id >= 0 && FLAGS[id]! & F_NEGATE) return true;
  const s = tStart[t]!;
  const e = tEnd[t]!;
  if (tFlags[t]! & T_OTHER) return text.slice(s, e).toLowerCase().includes("n't");
  for (let k = s; k + 2 < e; k++) {
    const c = text.charCodeAt(k);
    if ((c === 110 || c === 78) && text.charCodeAt(k + 1) === 39) {
      const d = text.charCodeAt(k + 2);
      if (d === 116 || d === 84) return true;
    }
  }
  return false;
}

function scalarIncDec(t: number, valence: number, capDiff: boolean): number {
  const id = tId[t]!;
  let scalar = id >= 0 ? BOOST[id]! : 0;
  if (scalar === 0) return 0;
  if (valence < 0) scalar *= -1;
  if (capDiff && tFlags[t]! & T_UPPER) scalar += valence > 0 ? C_INCR : -C_INCR;
  return scalar;
}

const inLexicon = (t: number): boolean => {
  const id = tId[t]!;
  return id >= 0 && !Number.isNaN(VALENCE[id]!);
};

/**
 * VADER's token of one whitespace-free run (what {@link tokenize} makes of it), for a per-token
 * cache: false when the run gives no token (one character); else out = [start, end (after the edge
 * punctuation is stripped, relative to the run), vocabulary id or -1, case flags].
 */
export function vaderTokenOf(token: string, out: Int32Array): boolean {
  if (LEXICON.size === 0) throw new Error('vaderTokenOf: the lexicon is not loaded (await loadVaderLexicon() first)');
  const len = token.length;
  if (len <= 1) return false;
  let ascii = true;
  let upper = false;
  let lower = false;
  for (let k = 0; k < len; k++) {
    const c = token.charCodeAt(k);
    if (c < 128) {
      const cls = ASCII_CLASS[c]!;
      if (cls === C_UPPER) upper = true;
      else if (cls === C_LOWER) lower = true;
    } else ascii = false;
  }
  let s = 0;
  let e = len;
  if (isEdgePunct(token.charCodeAt(0)) || isEdgePunct(token.charCodeAt(len - 1))) {
    let a = 0;
    while (a < e && isEdgePunct(token.charCodeAt(a))) a++;
    let b = len;
    while (b > a && isEdgePunct(token.charCodeAt(b - 1))) b--;
    if (b - a > 1) {
      s = a;
      e = b;
    }
  }
  let hash = 0x811c9dc5;
  for (let k = s; k < e; k++) {
    const c = token.charCodeAt(k);
    hash = Math.imul(hash ^ (c >= 65 && c <= 90 ? c + 32 : c), 16777619);
  }
  out[0] = s;
  out[1] = e;
  out[2] = lookup(token, s, e, ascii, hash >>> 0);
  out[3] = (upper && !lower ? T_UPPER : 0) | (ascii ? 0 : T_OTHER) | (upper ? T_SOME_UPPER : 0);
  return true;
}

/** Set token k of the current text (as {@link vaderTokenOf} gave it, at absolute positions), for {@link vaderScoreTokens}. */
export function vaderSetToken(k: number, start: number, end: number, id: number, flags: number): void {
  while (k >= tStart.length) grow();
  tStart[k] = start;
  tEnd[k] = end;
  tId[k] = id;
  tFlags[k] = flags;
}

/** VADER compound score in [−1, 1]; 0 for text without scored words. Call {@link loadVaderLexicon} first. */
export function vaderCompound(text: string): number {
  if (LEXICON.size === 0) throw new Error('vaderCompound: the lexicon is not loaded (await loadVaderLexicon() first)');
  const n = tokenize(text);
  if (n === 0) return 0;
  let ep = 0;
  let qm = 0;
  for (let k = text.indexOf('!'); k >= 0; k = text.indexOf('!', k + 1)) ep++;
  for (let k = text.indexOf('?'); k >= 0; k = text.indexOf('?', k + 1)) qm++;
  return vaderScoreTokens(text, n, ep, qm);
}

/**
 * The compound score of a text whose n tokens are set (by {@link tokenize} or {@link vaderSetToken}),
 * with its counts of `!` and `?`.
 */
export function vaderScoreTokens(text: string, n: number, ep: number, qm: number): number {
  if (n === 0) return 0;
  let caps = 0;
  let butIndex = -1;
  for (let t = 0; t < n; t++) {
    caps += tFlags[t]! & T_UPPER;
    if (butIndex < 0 && tId[t] === ID_BUT) butIndex = t;
  }
  const capDiff = caps > 0 && caps < n;
  // "but": words before it count half, words after it 1.5 times (the first "but" in any case, as VADER does)
  // Scored words are summed in index order (unscored ones would add 0): the same sum as VADER's list.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const id = tId[i]!;
    if (id < 0 || FLAGS[id]! & F_BOOSTER || (id === ID_KIND && i + 1 < n && tId[i + 1] === ID_OF)) continue;
    const base = VALENCE[id]!;
    if (Number.isNaN(base)) continue;
    let valence = base;
    if (capDiff && tFlags[i]! & T_UPPER) valence += valence > 0 ? C_INCR : -C_INCR;
    for (let s = 0; s < 3; s++) {
      const j = i - (s + 1);
      if (j < 0 || inLexicon(j)) continue;
      let scalar = scalarIncDec(j, valence, capDiff);
      if (s === 1) scalar *= 0.95;
      else if (s === 2) scalar *= 0.9;
      valence += scalar;
      // never_check
      if (s === 0) {
        if (negated(text, i - 1)) valence *= N_SCALAR;
      } else if (s === 1) {
        if (exactly(text, i - 2, ID_NEVER, 'never') && (exactly(text, i - 1, ID_SO, 'so') || exactly(text, i - 1, ID_THIS, 'this'))) valence *= 1.5;
        else if (negated(text, j)) valence *= N_SCALAR;
      } else {
        if (
          (exactly(text, i - 3, ID_NEVER, 'never') && (exactly(text, i - 2, ID_SO, 'so') || exactly(text, i - 2, ID_THIS, 'this'))) ||
          exactly(text, i - 1, ID_SO, 'so') || exactly(text, i - 1, ID_THIS, 'this')
        ) valence *= 1.25;
        else if (negated(text, j)) valence *= N_SCALAR;
        if (idiomWindow(i, n)) valence = idioms(valence, text, i, n);
      }
    }
    // least_check
    if (i > 0 && tId[i - 1] === ID_LEAST && !LEAST_IN_LEXICON) {
      if (i === 1 || (tId[i - 2] !== ID_AT && tId[i - 2] !== ID_VERY)) valence *= N_SCALAR;
    }
    if (butIndex >= 0) valence *= i < butIndex ? 0.5 : i > butIndex ? 1.5 : 1;
    sum += valence;
  }
  if (sum === 0) return 0;
  const amp = Math.min(ep, 4) * 0.292 + (qm > 1 ? (qm <= 3 ? qm * 0.18 : 0.96) : 0);
  sum += sum > 0 ? amp : -amp;
  const compound = sum / Math.sqrt(sum * sum + 15);
  return Math.max(-1, Math.min(1, compound));
}

function idiomWindow(i: number, n: number): boolean {
  for (let k = Math.max(0, i - 3); k <= Math.min(n - 1, i + 2); k++) {
    const id = tId[k]!;
    if (id >= 0 && FLAGS[id]! & F_IDIOM) return true;
  }
  return false;
}

/** VADER's idioms_check on the tokens around i, as strings (an index before the first token reads "undefined", as in VADER's JS port). */
function idioms(valence: number, text: string, i: number, n: number): number {
  // Every key looked up below is two or three lower-case ASCII words: unless two adjacent tokens of
  // the window are exactly one of their adjacent pairs, none can match (no strings needed).
  let possible = false;
  for (let k = Math.max(0, i - 3); k + 1 <= Math.min(n - 1, i + 2); k++) {
    if ((tFlags[k]! | tFlags[k + 1]!) & (T_OTHER | T_SOME_UPPER) || tId[k]! < 0 || tId[k + 1]! < 0) continue;
    if (PAIRS.has(tId[k]! * 65536 + tId[k + 1]!)) {
      possible = true;
      break;
    }
  }
  if (!possible) return valence;
  const t = (k: number): string | undefined => (k >= 0 && k < n ? text.slice(tStart[k], tEnd[k]) : undefined);
  const [t3, t2, t1, t0] = [t(i - 3), t(i - 2), t(i - 1), t(i)];
  const seqs = [`${t1} ${t0}`, `${t2} ${t1} ${t0}`, `${t2} ${t1}`, `${t3} ${t2} ${t1}`, `${t3} ${t2}`];
  for (const s of seqs) {
    const v = IDIOMS.get(s);
    if (v !== undefined) {
      valence = v;
      break;
    }
  }
  if (n - 1 > i) valence = IDIOMS.get(`${t0} ${t(i + 1)}`) ?? valence;
  if (n - 1 > i + 1) valence = IDIOMS.get(`${t0} ${t(i + 1)} ${t(i + 2)}`) ?? valence;
  if (BOOSTER.has(`${t3} ${t2}`) || BOOSTER.has(`${t2} ${t1}`)) valence += B_DECR;
  return valence;
}
