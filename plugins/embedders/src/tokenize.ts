/**
 * Word tokenizer shared by the hashing and word-vectors embedders: runs of letters and digits,
 * keeping inner apostrophes, hyphens and dots (`don't`, `e-mail`, `u.s`) as one token. Punctuation
 * and whitespace separate tokens and are dropped.
 */
const WORD = /[\p{L}\p{N}\p{M}]+(?:['’\-.][\p{L}\p{N}\p{M}]+)*/gu;

export function wordTokens(text: string, lowercase = true): string[] {
  return (lowercase ? text.toLowerCase() : text).match(WORD) ?? [];
}

/** The parts of a compound token (`e-mail` → `e`, `mail`), or [] when it has none. */
export function tokenParts(token: string): string[] {
  return /['’\-.]/.test(token) ? token.split(/['’\-.]+/).filter((p) => p.length > 0) : [];
}

const IRREGULAR_NEGATIONS: Record<string, string> = { ca: 'can', wo: 'will', sha: 'shall', ai: 'is' };

/**
 * English contractions as the words they stand for: `couldn't` → `could not`, `can't` → `can not`,
 * `won't` → `will not`, `he's` → `he`, `we're` → `we` (the clitics 's 're 've 'll 'd 'm are
 * dropped: they are frequent function words). Returns [] for a token that is no contraction.
 */
export function contractionParts(token: string): string[] {
  const t = token.replace(/’/g, "'");
  const negation = /^(.+)n't$/.exec(t);
  if (negation) {
    const stem = negation[1]!;
    return [IRREGULAR_NEGATIONS[stem] ?? stem, 'not'];
  }
  const clitic = /^(.+)'(s|re|ve|ll|d|m)$/.exec(t);
  return clitic ? [clitic[1]!] : [];
}
