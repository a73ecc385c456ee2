/**
 * SelfCheckGPT-style consistency (Manakul, Liusie & Gales 2023), n-gram variant: each sentence of
 * the first sample is checked against the other samples. A sentence whose content words the other
 * samples do not repeat is a likely hallucination.
 */
import { STOPWORDS, sentences, words } from './text.js';

export interface SentenceConsistency {
  /** The sentence, cut to 200 characters. */
  text: string;
  /** Mean over the other samples of the share of the sentence's content words (and their bigrams) that sample contains, in [0, 1]. */
  consistency: number;
}

export interface SelfCheckResult {
  sentences: SentenceConsistency[];
  /** The least supported sentence's consistency. */
  min: number;
  mean: number;
}

function ngrams(tokens: readonly string[]): Set<string> {
  const content = tokens.filter((w) => !STOPWORDS.has(w));
  const grams = new Set<string>(content);
  for (let i = 0; i + 1 < content.length; i++) grams.add(`${content[i]} ${content[i + 1]}`);
  return grams;
}

/** Per-sentence support of `texts[0]` by `texts[1..]`; undefined with fewer than 2 samples or no sentence with content words. */
export function selfCheck(texts: readonly string[]): SelfCheckResult | undefined {
  if (texts.length < 2) return undefined;
  const others = texts.slice(1).map((t) => ngrams(words(t)));
  const result: SentenceConsistency[] = [];
  for (const sentence of sentences(texts[0]!)) {
    const grams = ngrams(words(sentence));
    if (grams.size === 0) continue;
    let support = 0;
    for (const other of others) {
      let hit = 0;
      for (const g of grams) if (other.has(g)) hit++;
      support += hit / grams.size;
    }
    result.push({ text: sentence.length > 200 ? `${sentence.slice(0, 199)}…` : sentence, consistency: support / others.length });
  }
  if (result.length === 0) return undefined;
  const values = result.map((s) => s.consistency);
  return { sentences: result, min: Math.min(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
}
