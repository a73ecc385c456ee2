/**
 * Offline text similarity for repeated samples of one prompt: a lexical measure (character
 * trigrams of content words) that the detector blends with the run's embedder. Both are cheap,
 * deterministic and need no model, so the detector's defaults work anywhere.
 */

/** Runs of letters and digits, keeping inner apostrophes, hyphens and dots (`don't`, `e-mail`, `3.5`). */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’\-.,][\p{L}\p{N}\p{M}]+)*/gu;

export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/**
 * English function words. They carry little of what an answer says, and any two English texts
 * share many of them, so the lexical measure leaves them out (unless a text has nothing else).
 */
export const STOPWORDS: ReadonlySet<string> = new Set((
  'a about above after again against all am an and any are as at be because been before being below between both but by ' +
  'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
  'himself his how i if in into is it its itself just me more most my myself no nor not of off on once only or other ' +
  'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
  'these they this those through to too under until up very was we were what when where which while who whom why will ' +
  'with would you your yours yourself yourselves also may might must shall us let let\'s it\'s i\'m don\'t can\'t won\'t ' +
  'isn\'t aren\'t wasn\'t there\'s that\'s here\'s'
).split(' '));

/** A sparse count vector with its squared norm, for cosine similarity. */
export interface SparseVector {
  counts: Map<string, number>;
  norm2: number;
}

/**
 * Character trigrams of a text's content words (each word padded with `#`), counted. Trigrams
 * make inflections (`delay`/`delayed`) and small typos count as near matches.
 */
export function trigramVector(text: string): SparseVector {
  const all = words(text);
  const content = all.filter((w) => !STOPWORDS.has(w));
  const tokens = content.length > 0 ? content : all;
  const counts = new Map<string, number>();
  for (const token of tokens) {
    const padded = `#${token}#`;
    if (padded.length <= 3) {
      counts.set(padded, (counts.get(padded) ?? 0) + 1);
      continue;
    }
    for (let i = 0; i + 3 <= padded.length; i++) {
      const g = padded.slice(i, i + 3);
      counts.set(g, (counts.get(g) ?? 0) + 1);
    }
  }
  let norm2 = 0;
  for (const c of counts.values()) norm2 += c * c;
  return { counts, norm2 };
}

/** Cosine similarity of two sparse count vectors; two empty texts are identical (1), one empty is 0. */
export function sparseCosine(a: SparseVector, b: SparseVector): number {
  if (a.norm2 === 0 || b.norm2 === 0) return a.norm2 === b.norm2 ? 1 : 0;
  const [small, large] = a.counts.size <= b.counts.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, v] of small.counts) {
    const w = large.counts.get(k);
    if (w !== undefined) dot += v * w;
  }
  return Math.min(1, dot / Math.sqrt(a.norm2 * b.norm2));
}

/** Cosine of two dense vectors, clipped to [0, 1] (a negative cosine says "unrelated", not "opposite"). Zero vectors: 1 if both, else 0. */
export function denseCosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return na === nb ? 1 : 0;
  return Math.max(0, Math.min(1, dot / Math.sqrt(na * nb)));
}

/** Sentences of a text: split after `.`, `!`, `?` or a line break; empty pieces dropped. */
export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[\p{Lu}\p{N}"'(“‘\p{Lo}])|\n+/u)
    .map((s) => s.trim())
    .filter((s) => words(s).length > 0);
}

/** The text as a normalised key for exact-match counting: trimmed, inner whitespace collapsed. */
export function exactKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** A sparse vector scaled to unit length, its features as sorted integer ids (for a fast merge dot product). */
export interface UnitSparse {
  ids: Int32Array;
  weights: Float64Array;
}

/** Interns trigram strings as integer ids, so pairwise similarity is a merge of two sorted arrays. */
export class TrigramIndex {
  readonly #ids = new Map<string, number>();

  vector(text: string): UnitSparse {
    const { counts, norm2 } = trigramVector(text);
    const entries: Array<[number, number]> = [];
    for (const [gram, c] of counts) {
      let id = this.#ids.get(gram);
      if (id === undefined) this.#ids.set(gram, (id = this.#ids.size));
      entries.push([id, c]);
    }
    entries.sort((a, b) => a[0] - b[0]);
    const scale = norm2 > 0 ? 1 / Math.sqrt(norm2) : 0;
    return { ids: Int32Array.from(entries, (e) => e[0]), weights: Float64Array.from(entries, (e) => e[1] * scale) };
  }
}

/** Cosine of two unit sparse vectors (as {@link sparseCosine}: two empty texts 1, one empty 0). */
export function unitSparseCosine(a: UnitSparse, b: UnitSparse): number {
  if (a.ids.length === 0 || b.ids.length === 0) return a.ids.length === b.ids.length ? 1 : 0;
  let i = 0;
  let j = 0;
  let dot = 0;
  const ai = a.ids;
  const bi = b.ids;
  while (i < ai.length && j < bi.length) {
    const x = ai[i]!;
    const y = bi[j]!;
    if (x === y) dot += a.weights[i++]! * b.weights[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return Math.min(1, dot);
}

/** A dense vector scaled to unit length (a zero vector stays zero, flagged). */
export interface UnitDense {
  v: Float32Array;
  zero: boolean;
}

export function unitDense(v: Float32Array): UnitDense {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (n === 0) return { v, zero: true };
  const s = 1 / Math.sqrt(n);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * s;
  return { v: out, zero: false };
}

/** Cosine of two unit dense vectors, clipped to [0, 1] (as {@link denseCosine}). */
export function unitDenseCosine(a: UnitDense, b: UnitDense): number {
  if (a.zero || b.zero) return a.zero === b.zero ? 1 : 0;
  const x = a.v;
  const y = b.v;
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
  return Math.max(0, Math.min(1, dot));
}
