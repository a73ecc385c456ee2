import { describe, expect, it } from 'vitest';
import { eld } from 'eld/small';
import { createLanguageDetector } from './language.js';
import { mulberry32 } from '@vigia/random';

/** Texts in many scripts and languages, plus noise, URLs, digits, emoji and very long words. */
const SAMPLES = [
  'The weather is lovely today and we are going to the beach with the children.',
  'El tiempo es muy agradable hoy y vamos a la playa con los niños pequeños.',
  'Das Wetter ist heute sehr schön und wir gehen mit den Kindern an den Strand.',
  'Le temps est très agréable aujourd’hui et nous allons à la plage avec les enfants.',
  'Извините, но я не могу помочь с этим запросом.',
  'Obrigado pela ajuda com o relatório de ontem.',
  '申し訳ありませんが、その質問にはお答えできません。',
  '抱歉，我无法帮助你完成这个请求。今天天气很好。',
  '오늘 날씨가 정말 좋네요. 우리는 해변에 갈 거예요.',
  'Η γάτα κάθεται στο παράθυρο και κοιτάζει τα πουλιά.',
  'مرحبا، كيف يمكنني مساعدتك اليوم في هذا الموضوع؟',
  'यह एक परीक्षण वाक्य है जो हिंदी में लिखा गया है।',
  'Dit is een korte Nederlandse zin over het weer van vandaag.',
  'Hyvää huomenta, tänään on kaunis päivä ja menemme rannalle.',
  "Don't worry, it's fine — we'll ship v2.3.1 at https://example.com/x?y=1 on 2024-05-01 😀😀",
  'x'.repeat(200) + ' ' + 'ąčęėįšųūž'.repeat(20),
  '12345 67890 !!! ??? ... --- ###',
  '',
  '    ',
  'a',
  'ab cd',
];

describe('language detector (eld port)', () => {
  it('uses the fast scorer in this layout', async () => {
    expect((await createLanguageDetector()).fast).toBe(true);
  });

  it('gives exactly eld.detect(text).language on hand-picked and random texts', async () => {
    const ours = await createLanguageDetector();
    const ref = eld.newInstance();
    for (const t of SAMPLES) expect([t, ours.detect(t)]).toEqual([t, ref.detect(t).language]);
    // Random mixtures of the samples' words: many n-grams, close calls between languages, long texts.
    const pool = SAMPLES.join(' ').split(/\s+/).filter(Boolean);
    const rnd = mulberry32(7);
    for (let i = 0; i < 400; i++) {
      const n = 1 + Math.floor(rnd() * 120);
      const t = Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)]).join(rnd() < 0.5 ? ' ' : ', ');
      expect([t, ours.detect(t)]).toEqual([t, ref.detect(t).language]);
    }
  });

  it('gives exactly eld.detect(text).language on ASCII texts (read without the separator regex)', async () => {
    const ours = await createLanguageDetector();
    const ref = eld.newInstance();
    const pieces = ['the', 'Weather', 'is', 'LOVELY', 'el', 'tiempo', 'es', 'muy', 'das', 'Wetter', "don't", 'rock`n`roll', "''", '``', "'", '`', ' ', '  ', '\t', '\n', ',', '.', '!?', '42', 'v2.3', '-', '(x)', "' '", " '", "' ", 'a', 'B'];
    const rnd = mulberry32(13);
    const wrong: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const n = Math.floor(rnd() * 160);
      let t = '';
      for (let k = 0; k < n; k++) t += pieces[Math.floor(rnd() * pieces.length)] + (rnd() < 0.6 ? ' ' : '');
      if (ours.detect(t) !== ref.detect(t).language) wrong.push(t);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('restricts to a subset as eld does', async () => {
    const ours = await createLanguageDetector();
    const ref = eld.newInstance();
    expect(ours.setSubset(['es', 'pt', 'xx'])).toEqual(['es', 'pt']);
    ref.setLanguageSubset(['es', 'pt']);
    for (const t of SAMPLES) expect([t, ours.detect(t)]).toEqual([t, ref.detect(t).language]);
  });
});
