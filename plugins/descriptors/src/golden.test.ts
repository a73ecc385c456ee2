/**
 * Outputs stay the same when the descriptors are made faster: every descriptor of the default set
 * (and the PII kinds, language_differs, regexes and triggers) on a fixed, seeded corpus of 3,000
 * texts, compared per descriptor with digests recorded from the implementation before its speed-ups
 * (`src/__fixtures__/golden-digests.json`). The corpus mixes the benchmark's prose with what the
 * scorers treat specially: VADER lexicon words, boosters, negations, idioms, "but"/"least", ALL CAPS,
 * emoticons, ! and ?, profanity, refusals in ten languages, PII and decoys, other scripts, combining
 * marks, astral characters, Unicode spaces, JSON, empty and whitespace-only texts.
 *
 * A changed digest means some value changed: the failure names the descriptor and the first
 * differing texts' values. Regenerate (only for an intended change of output, said in the commit):
 * VIGIA_WRITE_GOLDEN=1 pnpm vitest run plugins/descriptors/src/golden.test.ts
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DescriptorEngine, type DescriptorOptions } from './descriptors.js';
import { PII_KINDS } from './pii.js';
import { mulberry32 } from '@vigia/random';

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__', 'golden-digests.json');

const COMMON = 'the of and to a in is you that it for on with as are this be at or have from by not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know get through back much before go good new write our used me man too any day same right look think also around another came come work three word must because does part even place well such here take why things help put years different away again off went old number great tell men say small every found still between name should home big give air line set own under read last never us left end along while might next sound below saw something thought both few those always'.split(' ');
const SPECIAL = [
  'good', 'great', 'love', 'hate', 'terrible', 'awful', 'happy', 'sad', 'excellent', 'horrible', 'nice', 'bad', 'best', 'worst', 'funny', 'angry',
  'not', "isn't", "don't", 'never', 'without', 'nothing', 'cannot', "can't", 'wont', 'nope', 'seldom',
  'very', 'extremely', 'really', 'so', 'this', 'kind', 'of', 'sort', 'kinda', 'barely', 'hardly', 'slightly', 'just', 'enough', 'most', 'more',
  'but', 'BUT', 'least', 'at', 'the', 'shit', 'bomb', 'bad', 'ass', 'yeah', 'right', 'cut', 'mustard', 'kiss', 'death', 'hand', 'mouth',
  'GOOD', 'GREAT', 'HATE', 'AWFUL', 'Never', 'NOT', ':)', ':(', ':-)', ':D', '<3', ';)', 'lol', 'wtf', 'meh', 'ok',
  'damn', 'crap', 'hell', 'bastard', 'fuck', 'shitty', 'asshole', 'bitch',
  'well-known', "it's", 'it’s', 'café', 'naïve', 'résumé', 'e\u0301te\u0301', '42', '3.14', 'v1.2.3', 'x_y', 'a-b-c',
  '"quoted"', "'single'", '(paren)', '[bracket]', '--dash--', '...', '!!!', '???', '?!', 'wow!', 'really?', 'Hmm.', 'end.', 'Dr.', 'e.g.',
  'Привет', 'спасибо', 'хорошо', 'Ελληνικά', 'καλό', 'مرحبا', 'شكرا', 'שלום', 'नमस्ते', 'ধন্যবাদ', 'สวัสดี', '你好', '谢谢', 'こんにちは', 'ありがとう', '안녕하세요',
  '😀', '👍🏽', '🙂', '𝒳', '\u212a', 'İstanbul', 'ǅ', 'ß', 'ﬁ', 'ÀÉÎÕÜ',
];
const SNIPPETS = [
  "I'm sorry, but I can't help with that.", 'I cannot assist with this request.', 'As an AI language model, I cannot browse.', 'I must respectfully decline.',
  'Lo siento, pero no puedo ayudarte con eso.', 'Je suis désolé, mais je ne peux pas répondre.', 'Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.',
  'Desculpe, mas não posso ajudar.', 'Mi dispiace, ma non posso aiutarti.', 'Het spijt me, maar ik kan je niet helpen.', 'Извините, но я не могу помочь.',
  '抱歉，我无法帮助你。', '申し訳ありませんが、お手伝いできません。', 'I’m unable to provide that.', 'You cannot divide by zero.',
  'Mail jane.roe@example.com today.', 'Card 4111 1111 1111 1111 ok.', 'Bad card 4111 1111 1111 1112.', 'Call +1 415-555-0132 now.', '(415) 555-0132',
  'IBAN DE89 3704 0044 0532 0130 00.', 'IBAN DE89 3704 0044 0532 0130 01.', 'Host 192.168.1.20 and fe80::1ff:fe23:4567:890a.', 'At 12:30:45 on 2024-05-01.',
  'SSN 123-45-6789.', 'SSN 666-45-6789.', 'DNI 12345678Z.', 'CPF 111.444.777-35.', 'ID 11010519491231002X.', 'key AKIAIOSFODNN7EXAMPLE', 'sk-proj-abcdefghijklmnopqrstuvwx',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'version 10.0.0.1 released', 'ISBN 978-3-16-148410-0',
  '{"a": 1, "b": [true, null]}', '```json\n{"ok": true}\n```', '[1, 2, 3]', '{"broken": ', '"just a string"', '-12.5', 'true',
  'Not bad at all.', 'The food was kind of good.', 'It was never so good!', 'At least it works.', 'Yeah right, that was the bomb.', 'He cut the mustard.',
  'This is NOT good, but the service was EXCELLENT!!!', 'I do not hate it??', 'What?? Why??? Really????', 'No 。 是的！ 好吗？',
];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\n', '\t', '\u00a0', '\u2003', '\u3000', '\u202f'];

/** The corpus: deterministic for a seed (no Math.random, no dates). */
export function goldenCorpus(n: number, seed: number): Array<{ prompt?: string; response?: string | number }> {
  const rnd = mulberry32(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const out: Array<{ prompt?: string; response?: string | number }> = [];
  for (let i = 0; i < n; i++) {
    const kind = rnd();
    let text: string;
    if (kind < 0.02) text = pick(['', ' ', '\n\t ', '.', '!!', '42', '😀']);
    else if (kind < 0.1) text = pick(SNIPPETS);
    else {
      const len = 3 + Math.floor(rnd() * (rnd() < 0.3 ? 30 : 140));
      const parts: string[] = [];
      for (let w = 0; w < len; w++) {
        const r = rnd();
        let word = r < 0.55 ? pick(COMMON) : r < 0.9 ? pick(SPECIAL) : pick(SNIPPETS);
        if (rnd() < 0.05) word = word.toUpperCase();
        else if (rnd() < 0.08) word = word[0]!.toUpperCase() + word.slice(1);
        if (rnd() < 0.1) word += pick(['.', ',', '!', '?', ';', ':', '."', '?!', '...', "'", '。']);
        parts.push(word);
        parts.push(rnd() < 0.9 ? ' ' : pick(SPACES));
      }
      text = parts.join('');
      if (rnd() < 0.05) text = pick(SNIPPETS) + ' ' + text;
    }
    const record: { prompt?: string; response?: string | number } = { response: text };
    if (rnd() < 0.01) record.response = 12345;
    else {
      const drop = rnd(); // a second draw, only when the first did not replace the text
      if (drop < 0.01) delete record.response;
    }
    if (rnd() < 0.9) record.prompt = rnd() < 0.5 ? pick(SNIPPETS) : `${pick(COMMON)} ${pick(SPECIAL)} ${pick(COMMON)} ${pick(COMMON)} ${pick(SPECIAL)} please, tell me more`;
    out.push(record);
  }
  return out;
}

const NAMES = [
  'chars', 'words', 'tokens', 'refusal', 'sentiment', 'profanity', 'profane', 'pii', 'has_pii', ...PII_KINDS.map((k) => `pii.${k}`),
  'language', 'language_differs', 'readability', 'non_letter_share', 'valid_json', 'json_schema', 'regex.numbers', 'triggers.help',
];
const OPTIONS: DescriptorOptions = {
  patterns: { numbers: '\\d{2,}' }, triggerWords: { help: ['help', 'thank you', 'not'] }, refusalPatterns: ['that is not something i will do'],
  profanityWords: ['meh'], languageMinLength: 20, jsonSchema: { type: 'object', required: ['a'] },
};

function digest(values: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(values.map((v) => (v === undefined ? null : Number.isNaN(v) ? 'NaN' : v)))).digest('hex').slice(0, 32);
}

describe('descriptor outputs on a fixed corpus', () => {
  it('match the digests recorded before the speed-ups, for each descriptor', async () => {
    const records = goldenCorpus(3000, 20261128);
    const engine = new DescriptorEngine(OPTIONS);
    const paths = NAMES.flatMap((n) => [`response.${n}`, `prompt.${n}`]);
    const columns = await engine.compute({ name: 'golden', records, skipped: 0, origin: 'test' }, paths, { resolvePath: (p) => p });
    const got = Object.fromEntries(paths.map((p) => [p, digest(columns.get(p)!)]));
    if (process.env.VIGIA_WRITE_GOLDEN === '1') {
      // a few values per path, so a failing digest can be read against them
      const samples = Object.fromEntries(paths.map((p) => [p, columns.get(p)!.slice(0, 12).map((v) => v ?? null)]));
      writeFileSync(FIXTURE, `${JSON.stringify({ corpus: { n: 3000, seed: 20261128 }, digests: got, first12: samples }, null, 1)}\n`);
    }
    const want = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { digests: Record<string, string>; first12: Record<string, unknown[]> };
    const changed = paths.filter((p) => want.digests[p] !== got[p]);
    const detail = changed.map((p) => `${p}: first values now ${JSON.stringify(columns.get(p)!.slice(0, 12).map((v) => v ?? null))}, recorded ${JSON.stringify(want.first12[p])}`);
    expect(detail).toEqual([]);
    // the corpus exercises what it claims to
    const col = (p: string) => columns.get(p)!;
    expect(col('response.refusal').filter((v) => v === true).length).toBeGreaterThan(50);
    expect(col('response.has_pii').filter((v) => v === true).length).toBeGreaterThan(50);
    expect(new Set(col('response.language')).size).toBeGreaterThan(5);
    expect(col('response.profane').filter((v) => v === true).length).toBeGreaterThan(50);
    expect(col('response.valid_json').filter((v) => v === true).length).toBeGreaterThan(5);
  });
});
