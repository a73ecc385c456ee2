/**
 * Sentiment: VADER (Hutto & Gilbert, 2014), a lexicon and rule-based scorer made for short social
 * texts. The lexicon (7,500 scored words and emoticons) comes from the `vader-sentiment` npm package
 * (Apache-2.0); the rules (booster words, negation within three words, ALL-CAPS emphasis, "but",
 * "least", exclamation and question marks, normalisation x/√(x²+15)) are ported from that package's
 * `polarity_scores` to run on our own word split, an order of magnitude faster. As in the Python reference
 * (vaderSentiment 3.3), negations and "but" are matched case-insensitively. Output: the compound score in
 * [−1, 1]; ≥ 0.05 is conventionally positive, ≤ −0.05 negative. English only.
 */
let LEXICON = new Map<string, number>();

/** Load the VADER lexicon (on first use, so the plugin module stays light). */
export async function loadVaderLexicon(): Promise<void> {
  if (LEXICON.size > 0) return;
  const mod = (await import('vader-sentiment/src/vader_lexicon.js' as string)) as { lexicon: Record<string, number> };
  LEXICON = new Map(Object.entries(mod.lexicon));
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

const EDGE_PUNCT = /^[.!?,;:\-'"]+|[.!?,;:\-'"]+$/g;

function isEdgePunct(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 44 || c === 59 || c === 58 || c === 45 || c === 39 || c === 34;
}

/** JavaScript's `\s` (the separator VADER's split used here): ASCII whitespace and the Unicode spaces. */
export function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** VADER's split: whitespace tokens longer than one character, leading/trailing punctuation removed. */
function vaderTokens(text: string): string[] {
  const out: string[] = [];
  const len = text.length;
  // The runs of non-space characters, as text.split(/\s+/) gives them (without the empty ends).
  for (let i = 0; i < len; ) {
    while (i < len && isSpace(text.charCodeAt(i))) i++;
    if (i >= len) break;
    let j = i + 1;
    while (j < len && !isSpace(text.charCodeAt(j))) j++;
    const start = i;
    i = j;
    if (j - start <= 1) continue;
    const raw = text.slice(start, j);
    if (!isEdgePunct(raw.charCodeAt(0)) && !isEdgePunct(raw.charCodeAt(raw.length - 1))) {
      out.push(raw);
      continue;
    }
    const stripped = raw.replace(EDGE_PUNCT, '');
    out.push(stripped.length > 1 ? stripped : raw);
  }
  return out;
}

/** Python's str.isupper() as VADER uses it: some A–Z and no a–z. */
function isUpper(word: string): boolean {
  let upper = false;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) return false;
    if (c >= 65 && c <= 90) upper = true;
  }
  return upper;
}

/** `lower` is the word lower-cased. */
function negated(lower: string): boolean {
  return NEGATE.has(lower) || lower.includes("n't");
}

/** A content word of each idiom and multi-word booster (none is a stop word): only windows containing one need the idiom check. */
const IDIOM_WORDS = new Set(['shit', 'bomb', 'bad', 'ass', 'yeah', 'right', 'cut', 'mustard', 'kiss', 'death', 'hand', 'mouth', 'just', 'enough', 'kind', 'sort']);

function scalarIncDec(word: string, lower: string, valence: number, capDiff: boolean): number {
  let scalar = BOOSTER.get(lower) ?? 0;
  if (scalar === 0) return 0;
  if (valence < 0) scalar *= -1;
  if (capDiff && isUpper(word)) scalar += valence > 0 ? C_INCR : -C_INCR;
  return scalar;
}

/** VADER compound score in [−1, 1]; 0 for text without scored words. Call {@link loadVaderLexicon} first. */
export function vaderCompound(text: string): number {
  if (LEXICON.size === 0) throw new Error('vaderCompound: the lexicon is not loaded (await loadVaderLexicon() first)');
  const tokens = vaderTokens(text);
  const n = tokens.length;
  if (n === 0) return 0;
  const lower = tokens.map((t) => t.toLowerCase());
  let caps = 0;
  for (const t of tokens) if (isUpper(t)) caps++;
  const capDiff = caps > 0 && caps < n;
  // "but": words before it count half, words after it 1.5 times (the first "but", as VADER does)
  let butIndex = lower.indexOf('but');
  if (butIndex < 0) butIndex = tokens.indexOf('BUT');
  // Scored words are summed in index order (unscored ones would add 0): the same sum as VADER's list.
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = lower[i]!;
    if (BOOSTER.has(w) || (w === 'kind' && lower[i + 1] === 'of')) continue;
    const base = LEXICON.get(w);
    if (base === undefined) continue;
    let valence = base;
    if (capDiff && isUpper(tokens[i]!)) valence += valence > 0 ? C_INCR : -C_INCR;
    for (let s = 0; s < 3; s++) {
      const j = i - (s + 1);
      if (j < 0 || LEXICON.has(lower[j]!)) continue;
      let scalar = scalarIncDec(tokens[j]!, lower[j]!, valence, capDiff);
      if (s === 1) scalar *= 0.95;
      else if (s === 2) scalar *= 0.9;
      valence += scalar;
      // never_check
      if (s === 0) {
        if (negated(lower[i - 1]!)) valence *= N_SCALAR;
      } else if (s === 1) {
        if (tokens[i - 2] === 'never' && (tokens[i - 1] === 'so' || tokens[i - 1] === 'this')) valence *= 1.5;
        else if (negated(lower[j]!)) valence *= N_SCALAR;
      } else {
        if ((tokens[i - 3] === 'never' && (tokens[i - 2] === 'so' || tokens[i - 2] === 'this')) || tokens[i - 1] === 'so' || tokens[i - 1] === 'this') valence *= 1.25;
        else if (negated(lower[j]!)) valence *= N_SCALAR;
        if (idiomWindow(lower, i)) valence = idioms(valence, tokens, i);
      }
    }
    // least_check
    if (i > 0 && lower[i - 1] === 'least' && !LEXICON.has('least')) {
      if (i === 1 || (lower[i - 2] !== 'at' && lower[i - 2] !== 'very')) valence *= N_SCALAR;
    }
    if (butIndex >= 0) valence *= i < butIndex ? 0.5 : i > butIndex ? 1.5 : 1;
    sum += valence;
  }
  if (sum === 0) return 0;
  let ep = 0;
  let qm = 0;
  for (let k = text.indexOf('!'); k >= 0; k = text.indexOf('!', k + 1)) ep++;
  for (let k = text.indexOf('?'); k >= 0; k = text.indexOf('?', k + 1)) qm++;
  const amp = Math.min(ep, 4) * 0.292 + (qm > 1 ? (qm <= 3 ? qm * 0.18 : 0.96) : 0);
  sum += sum > 0 ? amp : -amp;
  const compound = sum / Math.sqrt(sum * sum + 15);
  return Math.max(-1, Math.min(1, compound));
}

function idiomWindow(lower: readonly string[], i: number): boolean {
  for (let k = Math.max(0, i - 3); k <= Math.min(lower.length - 1, i + 2); k++) if (IDIOM_WORDS.has(lower[k]!)) return true;
  return false;
}

function idioms(valence: number, t: readonly string[], i: number): number {
  const seqs = [`${t[i - 1]} ${t[i]}`, `${t[i - 2]} ${t[i - 1]} ${t[i]}`, `${t[i - 2]} ${t[i - 1]}`, `${t[i - 3]} ${t[i - 2]} ${t[i - 1]}`, `${t[i - 3]} ${t[i - 2]}`];
  for (const s of seqs) {
    const v = IDIOMS.get(s);
    if (v !== undefined) {
      valence = v;
      break;
    }
  }
  if (t.length - 1 > i) valence = IDIOMS.get(`${t[i]} ${t[i + 1]}`) ?? valence;
  if (t.length - 1 > i + 1) valence = IDIOMS.get(`${t[i]} ${t[i + 1]} ${t[i + 2]}`) ?? valence;
  if (BOOSTER.has(`${t[i - 3]} ${t[i - 2]}`) || BOOSTER.has(`${t[i - 2]} ${t[i - 1]}`)) valence += B_DECR;
  return valence;
}
