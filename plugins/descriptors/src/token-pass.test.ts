/**
 * The cached token pass gives every value the per-text functions give, whichever descriptors are
 * asked together (each set of parts has its own pass): on random texts built from the pieces that
 * matter at a token's edges (whitespace of every kind, terminators, apostrophes and backticks for
 * eld, edge punctuation for VADER, PII key prefixes, surrogates, CJK), long enough for the language
 * sample to end inside a token, with enough distinct tokens that the cache is emptied several times.
 */
import { describe, expect, it } from 'vitest';
import { DescriptorEngine, LANGUAGE_SAMPLE, type DescriptorOptions } from './descriptors.js';
import { createLanguageDetector } from './language.js';
import { countPii, PII_KINDS } from './pii.js';
import { loadVaderLexicon, vaderCompound } from './sentiment.js';
import { approxTokens, charStats, fleschReadingEase, LowerWordSet, WordSpans } from './text.js';
import { CAPACITY, MAX_CACHED, PassPolicy, setPassPolicyMode, type TokenPass } from './token-pass.js';
import { mulberry32 } from '@vigia/random';

const PIECES = [
  'the', 'The', 'THE', 'good', 'GOOD', 'not', "isn't", "don't", 'never', 'so', 'very', 'kind', 'of', 'but', 'BUT', 'least', 'at', 'bomb', 'yeah', 'right',
  'love', 'hate', 'damn', 'shit', 'el', 'la', 'que', 'de', 'und', 'der', 'est', 'une', 'casa', 'perro', 'haus', 'maison', 'obrigado', 'grazie',
  'word.', 'end!', 'why?', 'wow!!', '...', '.', '!', '?', '。', '！', '？', 'a.b', 'e.g.', "'", "''", "'tis", "rock'n'roll", 'don’t', '`x`', "x'", "'x'", '"q"',
  ',', ';', ':', '-', '--', '-x-', 'well-known', 'x_y', '(p)', '[b]', '42', '3.14', 'v1.2', '@', 'a@b.co', 'sk-', 'AKIA', 'AIza', 'xox', 'eyJ', 'ghp_', '_live_',
  'café', 'naïve', 'e\u0301', 'Привет', 'хорошо', '你好', '谢谢。', 'こんにちは', '안녕', 'สวัสดี', '😀', '👍🏽', '𝒳', '\u212a', 'İ', 'ß', '\ud800', '\udc00',
  ':)', ':(', '<3', 'x'.repeat(MAX_CACHED), 'y'.repeat(MAX_CACHED + 1), 'Zz'.repeat(40), '!'.repeat(60),
];
const SPACES = [' ', ' ', ' ', ' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00a0', '\u2003', '\u3000', '\u202f', '\ufeff', ''];

const isAscii = (s: string): boolean => [...s].every((ch) => ch.charCodeAt(0) < 128);

function randomTexts(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  return Array.from({ length: n }, () => {
    const count = Math.floor(rnd() * rnd() * 160);
    const ascii = rnd() < 0.4; // many texts with an ASCII sample: eld's fast path through the cache
    let t = rnd() < 0.1 ? pick(SPACES) : '';
    for (let k = 0; k < count; k++) {
      let piece = pick(PIECES);
      if (ascii && !isAscii(piece)) piece = 'plain';
      // a random tail makes most tokens distinct, so the cache fills and is emptied
      if (rnd() < 0.3) piece += String.fromCharCode(97 + Math.floor(rnd() * 26), 97 + Math.floor(rnd() * 26), 97 + Math.floor(rnd() * 26));
      const space = pick(SPACES);
      t += piece + (ascii && !isAscii(space) ? ' ' : space);
    }
    return t;
  });
}

const OPTIONS: DescriptorOptions = { patterns: {}, triggerWords: {}, refusalPatterns: [], profanityWords: [], languageMinLength: 20 } as unknown as DescriptorOptions;
const NAMES = ['chars', 'words', 'tokens', 'sentiment', 'profanity', 'profane', 'pii', 'has_pii', 'pii.email', 'language', 'readability', 'non_letter_share'];

describe('the cached token pass', () => {
  it('gives the per-text functions\' values for every descriptor, alone and together', async () => {
    await loadVaderLexicon();
    const leo = ((await import('leo-profanity')) as unknown as { default: { getDictionary(lang: string): string[] } }).default;
    const profanity = new LowerWordSet(leo.getDictionary('en').map((w) => w.toLowerCase()));
    const detector = await createLanguageDetector();
    expect(detector.fast).toBe(true);
    const spans = new WordSpans();
    const reference = (text: string): Record<string, unknown> => {
      const stats = [...charStats(text)];
      const n = spans.scan(text);
      let bad = 0;
      for (let w = 0; w < n; w++) if (profanity.hasSpan(text, spans.starts[w]!, spans.ends[w]!)) bad++;
      const pii = countPii(text);
      const total = PII_KINDS.reduce((a, k) => a + pii[k], 0);
      return {
        chars: stats[0], words: n, tokens: approxTokens(text), sentiment: vaderCompound(text), profanity: n === 0 ? 0 : bad / n, profane: bad > 0,
        pii: total, has_pii: total > 0, 'pii.email': pii.email,
        language: text.trim().length < 20 ? 'und' : detector.detect(text.length > LANGUAGE_SAMPLE ? text.slice(0, LANGUAGE_SAMPLE) : text) || 'und',
        readability: fleschReadingEase(text, spans, stats[3]), non_letter_share: stats[1] === 0 ? undefined : stats[2]! / stats[1]!,
      };
    };
    const texts = randomTexts(6000, 20261129);
    const distinct = new Set(texts.flatMap((t) => t.split(/\s+/))).size;
    expect(distinct).toBeGreaterThan(2 * CAPACITY); // the cache is emptied on the way
    expect(texts.filter((t) => t.length > LANGUAGE_SAMPLE && isAscii(t.slice(0, LANGUAGE_SAMPLE))).length).toBeGreaterThan(500);
    const want = texts.map(reference);
    const wrong: string[] = [];
    const check = (names: readonly string[], columns: Map<string, unknown[]>): void => {
      for (const name of names) {
        const col = columns.get(`response.${name}`)!;
        texts.forEach((text, i) => {
          if (!Object.is(col[i], want[i]![name]) && wrong.length < 10) wrong.push(`${names.length > 1 ? `[${names.join(',')}] ` : ''}${name} of ${JSON.stringify(text.slice(0, 80))}: ${String(col[i])}, per-text ${String(want[i]![name])}`);
        });
      }
    };
    const records = texts.map((response) => ({ response }));
    // As users get it: these texts' tokens are mostly new, so the policy describes many text by text.
    const adaptive = new DescriptorEngine(OPTIONS);
    check(NAMES, await adaptive.compute({ name: 't', origin: 'test', skipped: 0, records }, NAMES.map((n) => `response.${n}`), { resolvePath: (p) => p }));
    expect(adaptive.passStats.bypassed).toBeGreaterThan(texts.length / 2);
    expect(adaptive.passStats.lookups).toBeGreaterThan(0);
    // Every text through the pass:
    setPassPolicyMode('always');
    // together (one pass for all), each alone (a pass per part; language alone reads only the sample), and two mixes
    const sets = [NAMES, ...NAMES.map((n) => [n]), ['sentiment', 'language'], ['readability', 'tokens', 'pii']];
    try {
      for (const names of sets) {
        const engine = new DescriptorEngine(OPTIONS);
        check(names, await engine.compute({ name: 't', origin: 'test', skipped: 0, records }, names.map((n) => `response.${n}`), { resolvePath: (p) => p }));
        expect(engine.passStats.bypassed).toBe(0);
      }
    } finally {
      setPassPolicyMode('adaptive');
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('is made again when the word list arrives after it', async () => {
    await loadVaderLexicon();
    const engine = new DescriptorEngine(OPTIONS);
    const out = new Map<string, number | boolean | string | undefined>();
    const text = 'well shit, this is a shit fine sentence in English';
    // describe() before any compute(): no profanity list loaded yet
    engine.describe(text, ['profanity', 'sentiment'], out);
    expect(out.get('profanity')).toBe(0);
    const columns = await engine.compute({ name: 't', origin: 'test', skipped: 0, records: [{ response: text }] }, ['response.profanity', 'response.sentiment'], { resolvePath: (p) => p });
    expect(columns.get('response.profanity')![0]).toBeCloseTo(2 / 10, 10);
  });
});

describe('the pass policy', () => {
  const pass = (): { lookups: number; misses: number } => ({ lookups: 0, misses: 0 });
  /** Run `texts` texts of 100 tokens with `missShare` of them new; how many went through the pass. */
  const drive = (policy: PassPolicy, counters: { lookups: number; misses: number }, texts: number, missShare: number): number => {
    let through = 0;
    for (let t = 0; t < texts; t++) {
      if (!policy.use()) continue;
      through++;
      counters.lookups += 100;
      counters.misses += Math.round(100 * missShare);
      policy.ran(counters as unknown as TokenPass);
    }
    return through;
  };

  it('keeps texts on the pass while most tokens are cached', () => {
    const policy = new PassPolicy();
    const c = pass();
    expect(drive(policy, c, 5000, 0.05)).toBe(5000);
    expect(policy.bypassed).toBe(0);
  });

  it('describes text by text while most tokens are new, probing the pass less and less often, and returns when they are cached again', () => {
    const policy = new PassPolicy();
    const c = pass();
    const through = drive(policy, c, 20_000, 0.9);
    expect(through).toBeGreaterThan(32); // it keeps probing
    expect(through).toBeLessThan(20_000 * 0.1); // back-off: mostly text by text
    // vocabulary settles: after at most one back-off span (1024 texts) and a probe, texts go through the pass again
    drive(policy, c, 1024 + 32, 0.05);
    expect(drive(policy, c, 1000, 0.05)).toBe(1000);
  });
});
