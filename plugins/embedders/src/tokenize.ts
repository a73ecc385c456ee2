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
