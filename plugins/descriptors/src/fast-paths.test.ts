/**
 * The hand-written scanners that replaced regular expressions and per-word strings give the same
 * answers as the expressions they replaced, on random strings over an alphabet of the characters
 * that matter to each (terminators, Unicode spaces, astral letters, lone surrogates, case).
 */
import { describe, expect, it } from 'vitest';
import { mayHavePii } from './pii.js';
import { compileRefusal, REFUSAL_KEYWORDS, REFUSAL_PATTERNS, REFUSAL_WINDOW } from './refusal.js';
import { charStats, LowerWordSet, sentenceCount, syllables, syllablesIn, syllablesOfSpans, words, WordSpans } from './text.js';
import { mulberry32 } from '@vigia/random';

const ALPHABET = ['a', 'E', 'y', 'Z', 's', 'd', 'l', '1', '9', '.', '!', '?', '。', '！', '？', ' ', '\n', '\u00a0', '\u3000', ',', "'", '-', '_', '@', 'é', 'İ', '\u212a', 'Ж', '中', '😀', '𝒳', '\ud800', '\udc00', 'sk-', 'xox', 'AKIA', 'AIza', 'eyJ', 'gh', 'p', '_live_', '_test', '-----BEGIN'];

function randomTexts(n: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  return Array.from({ length: n }, () => {
    const len = Math.floor(rnd() * 40);
    let t = '';
    for (let k = 0; k < len; k++) t += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
    return t;
  });
}

describe('fast paths equal the expressions they replaced', () => {
  const texts = randomTexts(20_000, 11);

  it('sentenceCount = split(/[.!?。！？]+(?:\\s|$)/) pieces with a letter or digit', () => {
    const reference = (text: string) => Math.max(1, text.split(/[.!?。！？]+(?:\s|$)/).filter((s) => /[\p{L}\p{N}]/u.test(s)).length);
    expect(texts.filter((t) => sentenceCount(t) !== reference(t)).slice(0, 10)).toEqual([]);
  });

  it('scanWithStats = scan + charStats (same spans, same counts)', () => {
    const a = new WordSpans();
    const b = new WordSpans();
    const wrong: string[] = [];
    for (const t of texts) {
      const fused = [...a.scanWithStats(t)];
      b.scan(t);
      const separate = [...charStats(t)];
      const same = a.count === b.count && fused.every((v, k) => v === separate[k]) && Array.from({ length: a.count }, (_, k) => a.starts[k] === b.starts[k] && a.ends[k] === b.ends[k]).every(Boolean);
      if (!same) wrong.push(t);
    }
    expect(wrong.slice(0, 10).map((t) => JSON.stringify(t))).toEqual([]);
  });

  it('mayHavePii = the alternation it replaced', () => {
    const reference = /[\d@]|-----BEGIN|AKIA|gh[pousr]_|sk-|xox|AIza|_live_|_test_|eyJ/;
    let some = 0;
    const wrong = texts.filter((t) => mayHavePii(t) !== reference.test(t));
    for (const t of texts) if (!/[\d@]/.test(t) && reference.test(t)) some++;
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(some).toBeGreaterThan(100); // key prefixes without digits were exercised
  });

  it('word spans give the words, syllablesIn the syllables of each, LowerWordSet the lower-cased membership', () => {
    const spans = new WordSpans();
    const set = new LowerWordSet(['ad', 'sey', 'é', 'k', 'i̇', 'ж']);
    const plain = new Set(['ad', 'sey', 'é', 'k', 'i̇', 'ж']);
    let hits = 0;
    const wrong: string[] = [];
    for (const t of texts) {
      const ws = words(t);
      spans.scan(t);
      if (spans.count !== ws.length) wrong.push(`${JSON.stringify(t)}: ${spans.count} spans, ${ws.length} words`);
      if (syllablesOfSpans(t, spans.starts, spans.ends, spans.count) !== ws.reduce((a, w) => a + syllables(w), 0)) wrong.push(`${JSON.stringify(t)}: total syllables`);
      for (let k = 0; k < ws.length; k++) {
        const s = spans.starts[k]!;
        const e = spans.ends[k]!;
        const w = ws[k]!;
        if (t.slice(s, e) !== w) wrong.push(`${JSON.stringify(t)}: span ${k} is not ${w}`);
        if (syllablesIn(t, s, e) !== syllables(w)) wrong.push(`${JSON.stringify(w)}: syllables`);
        const has = set.hasSpan(t, s, e);
        if (has !== plain.has(w.toLowerCase())) wrong.push(`${JSON.stringify(w)}: membership`);
        if (has) hits++;
      }
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(hits).toBeGreaterThan(50);
  });

  it('refusal with the keyword alternation = the lower-case keyword search it replaced', () => {
    const builtin = new RegExp(REFUSAL_PATTERNS.map((p) => `(?:${p})`).join('|'), 'i');
    const reference = (text: string) => {
      const head = (text.length > REFUSAL_WINDOW ? text.slice(0, REFUSAL_WINDOW) : text).replace(/’/g, "'");
      const lower = head.toLowerCase();
      for (const k of REFUSAL_KEYWORDS) if (lower.includes(k)) return builtin.test(head);
      return false;
    };
    const isRefusal = compileRefusal();
    const pieces = ["I'm", 'I', 'sorry,', 'but', "can't", 'can’t', 'CANNOT', 'help', 'assist', 'As', 'an', 'AI,', 'request', 'violates', 'my', 'guidelines',
      'Lo', 'siento,', 'no', 'puedo', 'ayudar', 'je', 'ne', 'peux', 'pas', 'ES', 'TUT', 'MIR', 'LEID,', 'ich', 'kann', 'nicht', 'helfen', 'Извините,', 'я', 'НЕ', 'могу',
      '抱歉，', '我无法', '帮助', 'できません', 'İ', '\u212aann', 'the', 'weather', 'is', 'fine',
      "I'm sorry, but I can't help", 'I’M SORRY, BUT I CANNOT ASSIST', 'As an AI, I cannot', 'Lo siento, pero no puedo ayudarte', 'ES TUT MIR LEID, ABER ICH KANN',
      'Извините, но я не могу помочь', '抱歉，我无法帮助', 'お手伝いできません', 'I must decline', 'ich \u212aann dir nicht helfen'];
    const rnd = mulberry32(5);
    let yes = 0;
    const wrong: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + Math.floor(rnd() * 12);
      const t = Array.from({ length: len }, () => pieces[Math.floor(rnd() * pieces.length)]).join(' ');
      const got = isRefusal(t);
      if (got !== reference(t)) wrong.push(t);
      if (got) yes++;
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(yes).toBeGreaterThan(2000);
  });
});
