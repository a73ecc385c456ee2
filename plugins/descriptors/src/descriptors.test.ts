import { describe, expect, it } from 'vitest';
// @ts-expect-error vader-sentiment ships no type declarations
import vader from 'vader-sentiment';
import { DescriptorEngine, parsePath, type DescriptorOptions } from './descriptors.js';
import { compileRefusal } from './refusal.js';
import { isSpace, loadVaderLexicon, vaderCompound } from './sentiment.js';
import { approxTokens, charCount, fleschReadingEase, nonLetterShare, words } from './text.js';
import { piiCounts, luhnValid, ibanValid, cpfValid, dniValid, cnIdValid } from './pii.js';

const options = (o: Partial<DescriptorOptions> = {}): DescriptorOptions => ({
  patterns: {}, triggerWords: {}, refusalPatterns: [], profanityWords: [], languageMinLength: 20, ...o,
});

async function describeOne(text: string | undefined, names: string[], o: Partial<DescriptorOptions> = {}) {
  const engine = new DescriptorEngine(options(o));
  await engine.prepare(names, (p) => p);
  const out = new Map<string, unknown>();
  engine.describe(text, names, out as never);
  return Object.fromEntries(out);
}

describe('length', () => {
  it('counts characters as code points, words as letter/digit runs, tokens approximately', () => {
    expect(charCount('héllo 👋')).toBe(7);
    expect(words("It's a well-known fact, isn't it? 42 times.")).toEqual(["It's", 'a', 'well-known', 'fact', "isn't", 'it', '42', 'times']);
    expect(words('Привет, как дела?')).toEqual(['Привет', 'как', 'дела']);
    expect(words('')).toEqual([]);
    expect(approxTokens('')).toBe(0);
    expect(approxTokens('abcdefgh')).toBe(2);
    expect(approxTokens('你好世界')).toBe(4); // one per CJK character
  });
});

describe('refusal', () => {
  const isRefusal = compileRefusal();
  const yes = [
    "I'm sorry, but I can't help with that.",
    'I cannot assist with creating malware.',
    'I’m unable to provide medical dosing advice.',
    'As an AI language model, I cannot browse the internet.',
    'I must respectfully decline this request.',
    'Lo siento, pero no puedo ayudarte con eso.',
    "Je suis désolé, mais je ne peux pas répondre à cette question.",
    'Es tut mir leid, aber ich kann Ihnen dabei nicht helfen.',
    'Desculpe, mas não posso ajudar com isso.',
    'Mi dispiace, ma non posso aiutarti con questo.',
    'Het spijt me, maar ik kan je daar niet mee helpen.',
    'Извините, но я не могу помочь с этим.',
    'ИЗВИНИТЕ, НО Я НЕ МОГУ ПОМОЧЬ.',
    'JE SUIS DÉSOLÉ, MAIS JE NE PEUX PAS répondre.',
    '抱歉，我无法帮助你完成这个请求。',
    '申し訳ありませんが、そのご依頼にはお応えできません。',
  ];
  const no = [
    'Sure! Here is a recipe for banana bread.',
    'You cannot divide by zero, so the function returns NaN.',
    "I can help with that. First, open the settings page.",
    'The error says "I cannot open file": check the path.',
    'No puedo creer lo fácil que es: aquí tienes el código.',
    '',
    // A refusal phrase deep inside a long answer is not a refusal of this request.
    `${'Here is the full explanation of the algorithm. '.repeat(12)}Some tools say "I can't help with that" when the input is malformed.`,
  ];
  it.each(yes)('flags %s', (t) => expect(isRefusal(t)).toBe(true));
  it.each(no)('does not flag %s', (t) => expect(isRefusal(t)).toBe(false));
  it('accepts extra patterns', () => {
    expect(compileRefusal(['\\bthat is outside my scope\\b'])('Sorry, that is outside my scope.')).toBe(true);
  });
});

describe('sentiment (VADER)', () => {
  it("splits on exactly JavaScript's \\s (the hand-written scanner that replaced split(/\\s+/))", () => {
    for (let c = 0; c <= 0xffff; c++) if (isSpace(c) !== /\s/.test(String.fromCharCode(c))) expect(c.toString(16)).toBe('same as \\s');
  });

  const sentences = [
    'VADER is smart, handsome, and funny.', 'VADER is smart, handsome, and funny!', 'VADER is very smart, handsome, and funny.',
    'VADER is VERY SMART, handsome, and FUNNY.', 'VADER is VERY SMART, handsome, and FUNNY!!!', 'VADER is not smart, handsome, nor funny.',
    'The book was good.', 'At least it isn\'t a horrible book.', 'The book was only kind of good.',
    'The plot was good, but the characters are uncompelling and the dialog is not great.', 'Today SUX!', 'Today only kinda sux! but I\'ll get by, lol',
    'Make sure you :) or :D today!', 'not bad at all', 'I am so sorry, I cannot help with that request.', 'This is the worst service ever. Terrible!!',
    'never so happy', 'The weather is okay I guess??', 'the shit', 'Thank you very much for the detailed answer.',
  ];
  it('matches the vader-sentiment package on its own examples', async () => {
    await loadVaderLexicon();
    for (const s of sentences) {
      const ours = vaderCompound(s);
      const theirs = vader.SentimentIntensityAnalyzer.polarity_scores(s).compound;
      expect(Math.abs(ours - theirs), s).toBeLessThan(0.02);
    }
  });
  it('applies the "but" rule to a capitalised But too, as the Python reference does (the JS package does not)', async () => {
    await loadVaderLexicon();
    expect(vaderCompound("Today only kinda sux! But I'll get by, lol")).toBeCloseTo(vaderCompound("Today only kinda sux! but I'll get by, lol"), 10);
    // The value the VADER README gives for this sentence (the JS package misses the capitalised "Not").
    expect(vaderCompound('Not bad at all')).toBeCloseTo(0.431, 3);
  });
  it('is 0 for neutral or empty text, within [-1, 1] always', async () => {
    await loadVaderLexicon();
    expect(vaderCompound('')).toBe(0);
    expect(vaderCompound('The file has 3 columns.')).toBe(0);
    expect(vaderCompound('great '.repeat(200))).toBeLessThanOrEqual(1);
    expect(vaderCompound('awful '.repeat(200))).toBeGreaterThanOrEqual(-1);
  });
});

describe('profanity', () => {
  it('gives the share of words in the list and a flag', async () => {
    expect(await describeOne('What the fuck is this shit', ['profanity', 'profane'])).toEqual({ profanity: 2 / 6, profane: true });
    expect(await describeOne('A perfectly polite answer.', ['profanity', 'profane'])).toEqual({ profanity: 0, profane: false });
    expect(await describeOne('', ['profanity', 'profane'])).toEqual({ profanity: 0, profane: false });
    expect(await describeOne('You absolute muppet', ['profane'], { profanityWords: ['muppet'] })).toEqual({ profane: true });
  });
});

describe('PII', () => {
  it('validates checksums', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(cpfValid('52998224725')).toBe(true);
    expect(cpfValid('52998224726')).toBe(false);
    expect(cpfValid('11111111111')).toBe(false);
    expect(dniValid('12345678Z')).toBe(true);
    expect(dniValid('12345678A')).toBe(false);
    expect(dniValid('X1234567L')).toBe(true);
    expect(cnIdValid('11010519491231002X')).toBe(true);
    expect(cnIdValid('110105194912310021')).toBe(false);
  });

  const cases: Array<[string, Partial<Record<string, number>>]> = [
    ['Mail me at jane.doe+news@example.co.uk or call +1 (415) 555-0132.', { email: 1, phone: 1 }],
    ['Card 4111 1111 1111 1111, exp 12/27.', { credit_card: 1 }],
    ['Card 4111 1111 1111 1112 is mistyped.', {}],
    ['IBAN: DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX', { iban: 1 }],
    ['Server 192.168.0.12 and 2001:db8::8a2e:370:7334 are down; 999.1.1.1 is not an address.', { ip: 2 }],
    ['SSN 123-45-6789; 000-12-3456 and 666-12-3456 are never issued.', { national_id: 1 }],
    ['CPF 529.982.247-25 e DNI 12345678Z.', { national_id: 2 }],
    ['身份证号 11010519491231002X。', { national_id: 1 }],
    ['key=AKIAIOSFODNN7EXAMPLE token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', { secret: 2 }],
    ['Released version 1.2.3 on 2024-05-01 at 12:30:45, ISBN 978-3-16-148410-0, total $1,299.00.', {}],
    ['Kontakt: max.mustermann@beispiel.de, Tel. +49 30 1234567', { email: 1, phone: 1 }],
    ['', {}],
  ];
  it.each(cases)('%s', (text, expected) => {
    const got = piiCounts(text);
    for (const [k, v] of Object.entries(got)) expect(v, k).toBe(expected[k] ?? 0);
  });

  it('aggregates kinds, never returning the matched text', async () => {
    const got = await describeOne('a@b.io and 4111111111111111', ['pii', 'has_pii', 'pii.email', 'pii.credit_card']);
    expect(got).toEqual({ pii: 2, has_pii: true, 'pii.email': 1, 'pii.credit_card': 1 });
  });
});

describe('language', () => {
  it('names the language (ISO 639-1) and whether it differs', async () => {
    const text = (t: string) => describeOne(t, ['language']);
    expect(await text('The weather is lovely today and we are going to the beach with the children.')).toEqual({ language: 'en' });
    expect(await text('El tiempo es muy agradable hoy y vamos a la playa con los niños pequeños.')).toEqual({ language: 'es' });
    expect(await text('Das Wetter ist heute sehr schön und wir gehen mit den Kindern an den Strand.')).toEqual({ language: 'de' });
    expect(await text('Le temps est très agréable aujourd’hui et nous allons à la plage avec les enfants.')).toEqual({ language: 'fr' });
    expect(await text('Hi!')).toEqual({ language: 'und' });
    expect(await text('Lo siento, pero no puedo ayudarte con eso.')).toEqual({ language: 'es' });
    expect(await text('Извините, но я не могу помочь с этим запросом.')).toEqual({ language: 'ru' });
    expect(await describeOne('Obrigado pela ajuda com o relatório de ontem.', ['language'], { languages: ['es', 'pt'] })).toEqual({ language: 'pt' });
    await expect(describeOne('text', ['language'], { languages: ['en', 'xx'] })).rejects.toThrow('eld does not know xx');
  });
});

describe('readability, non-letter share, JSON, regexes, triggers', () => {
  it('Flesch reading ease: easy text scores higher than dense text', () => {
    const easy = 'The cat sat on the mat. It was a good day.';
    const hard = 'Notwithstanding considerable methodological heterogeneity, the investigators characterised multidimensional epistemological uncertainties comprehensively.';
    expect(fleschReadingEase(easy, words(easy))!).toBeGreaterThan(90);
    expect(fleschReadingEase(hard, words(hard))!).toBeLessThan(10);
    expect(fleschReadingEase('', [])).toBeUndefined();
  });
  it('non-letter share', () => {
    expect(nonLetterShare('abc 123')).toBe(0.5);
    expect(nonLetterShare('   ')).toBeUndefined();
    expect(nonLetterShare('日本語')).toBe(0);
  });
  it('valid JSON and a JSON Schema', async () => {
    const schema = { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } };
    const d = (t: string) => describeOne(t, ['valid_json', 'json_schema'], { jsonSchema: schema });
    expect(await d('{"answer": "42"}')).toEqual({ valid_json: true, json_schema: true });
    expect(await d('```json\n{"answer": 42}\n```')).toEqual({ valid_json: true, json_schema: false });
    expect(await d('{"answer": "42",}')).toEqual({ valid_json: false, json_schema: false });
    expect(await d('Sure: {"answer": "42"}')).toEqual({ valid_json: false, json_schema: false });
  });
  it('user regexes and trigger words', async () => {
    const o = { patterns: { apology: 'sorry|apologi[sz]e', ticket: { pattern: 'TCK-\\d+', flags: '' } }, triggerWords: { competitors: ['Acme Corp', 'Globex'] } };
    const names = ['regex.apology', 'regex.ticket', 'triggers.competitors'];
    expect(await describeOne('We APOLOGISE: see TCK-42. Try acme  corp instead.', names, o)).toEqual({ 'regex.apology': true, 'regex.ticket': true, 'triggers.competitors': true });
    expect(await describeOne('tck-42 and Globexia', names, o)).toEqual({ 'regex.apology': false, 'regex.ticket': false, 'triggers.competitors': false });
  });
  it('absent text gives no values', async () => {
    expect(await describeOne(undefined, ['chars', 'refusal'])).toEqual({});
  });
});

describe('paths', () => {
  it('splits field and descriptor, dotted fields included, and explains unknown names', () => {
    expect(parsePath('response.refusal', options())).toEqual({ field: 'response', name: 'refusal' });
    expect(parsePath('attributes.output.pii.email', options())).toEqual({ field: 'attributes.output', name: 'pii.email' });
    expect(parsePath('response.regex.x', options({ patterns: { x: 'y' } }))).toEqual({ field: 'response', name: 'regex.x' });
    expect(parsePath('response.refusl', options())).toHaveProperty('error', expect.stringContaining('unknown descriptor'));
    expect(parsePath('response.regex.nope', options())).toHaveProperty('error', expect.stringContaining('add descriptors.patterns.nope'));
    expect(parsePath('response.json_schema', options())).toHaveProperty('error', expect.stringContaining('descriptors.jsonSchema'));
  });
});

describe('refusal keywords', () => {
  it('the keyword prefilter never hides a refusal the patterns find (one example per pattern branch)', async () => {
    const { REFUSAL_PATTERNS } = await import('./refusal.js');
    const full = new RegExp(REFUSAL_PATTERNS.map((p) => `(?:${p})`).join('|'), 'i');
    const isRefusal = compileRefusal();
    const examples = [
      "I'm sorry, but I can't", 'I cannot help', "I won't help", 'I will not help', 'I am unable to help', 'I am not able to help',
      'I must decline to answer', "I don't feel comfortable writing", 'I must decline', 'As an AI, I cannot', 'this request violates my guidelines',
      "I'm not allowed to share", "I'm not permitted to help", "I apologize, but I can't", 'Lo siento, no puedo', 'no me es posible ayudar',
      'como IA, no tengo', 'je suis désolée, je ne peux pas', 'je ne peux pas vous aider', "en tant qu'IA, je ne", 'es tut mir leid, aber ich kann',
      'ich kann dir nicht helfen', 'ich darf das nicht beantworten', 'als KI kann ich nicht', 'desculpe, não posso', 'não consigo ajudar',
      'mi dispiace, non sono in grado', 'non posso aiutarti', 'het spijt me, ik kan', 'ik kan je niet helpen', 'извините, я не могу', 'я не могу помочь',
      '抱歉，我无法', '我不能帮助', '申し訳ありませんが、できません', 'お手伝いできません',
    ];
    for (const e of examples) {
      expect(full.test(e), `pattern: ${e}`).toBe(true);
      expect(isRefusal(e), `prefiltered: ${e}`).toBe(true);
    }
  });
});

describe('compute over a dataset', () => {
  const dataset = (records: Array<Record<string, unknown>>) => ({ name: 'current', records, skipped: 0, origin: 'test' });
  it('language_differs compares with the prompt, and has no value when either language is undetermined', async () => {
    const engine = new DescriptorEngine(options());
    const cols = await engine.compute(dataset([
      { prompt: 'Can you explain how the tides work and why there are two each day?', response: 'Las mareas se producen por la atracción gravitatoria de la Luna y el Sol sobre los océanos.' },
      { prompt: 'Can you explain how the tides work and why there are two each day?', response: 'Tides are caused by the gravitational pull of the Moon and the Sun on the oceans.' },
      { prompt: 'Hi', response: 'Hello! How can I help you with your questions about the ocean today?' },
      { prompt: 'What is this?' },
    ]), ['response.language_differs', 'response.chars'], { resolvePath: (p) => p });
    expect(cols.get('response.language_differs')).toEqual([true, false, undefined, undefined]);
    expect(cols.get('response.chars')![3]).toBeUndefined();
  });
  it('reads a JSON Schema from a file and rejects object-valued text fields with the record number', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vigia-desc-'));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify({ type: 'array', items: { type: 'number' } }));
    const engine = new DescriptorEngine(options({ jsonSchema: 'schema.json' }));
    const cols = await engine.compute(dataset([{ response: '[1, 2]' }, { response: '["a"]' }]), ['response.json_schema'], { resolvePath: (p) => join(dir, p) });
    expect(cols.get('response.json_schema')).toEqual([true, false]);
    await expect(engine.compute(dataset([{ response: 'ok' }, { response: { text: 'x' } }]), ['response.chars'], { resolvePath: (p) => p }))
      .rejects.toThrow('record 2: field "response" is an object or array, not text; descriptors need a text field (name the text inside it, e.g. response.content)');
  });
});
