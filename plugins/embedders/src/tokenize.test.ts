import { describe, expect, it } from 'vitest';
import { contractionParts, tokenParts, wordTokens } from './tokenize.js';

describe('word tokenizer', () => {
  it('keeps words with inner apostrophes, hyphens and dots, drops punctuation', () => {
    expect(wordTokens("Don't e-mail the U.S. office, it's 9:30!")).toEqual(["don't", 'e-mail', 'the', 'u.s', 'office', "it's", '9', '30']);
    expect(wordTokens('Naïve café', false)).toEqual(['Naïve', 'café']);
    expect(wordTokens(' ... ')).toEqual([]);
  });

  it('splits compounds into their parts', () => {
    expect(tokenParts('e-mail')).toEqual(['e', 'mail']);
    expect(tokenParts('plain')).toEqual([]);
  });

  it('expands English contractions', () => {
    expect(contractionParts("couldn't")).toEqual(['could', 'not']);
    expect(contractionParts("can't")).toEqual(['can', 'not']);
    expect(contractionParts('won’t')).toEqual(['will', 'not']);
    expect(contractionParts("he's")).toEqual(['he']);
    expect(contractionParts("they're")).toEqual(['they']);
    expect(contractionParts("o'clock")).toEqual([]);
  });
});
