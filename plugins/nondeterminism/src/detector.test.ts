import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDetector } from '@vigia/testing';
import { createHashingEmbedder } from '@vigia/plugin-embedders';
import type { Provider } from '@vigia/core';
import { nondeterminism, type GroupResult } from './index.js';

const embedder = createHashingEmbedder();
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../configs/samples/nondeterminism/${name}`, import.meta.url)), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const current = fixture('current.jsonl');
const reference = fixture('reference.jsonl');
const kindOf = new Map(current.map((r) => [r.prompt_id as string, (r.attributes as { kind: string }).kind]));

const groupsOf = (details: Record<string, unknown> | undefined) => (details as { groups: GroupResult[] }).groups;

describe('nondeterminism', () => {
  it('with its defaults flags exactly the unrelated answers and orders identical < minimal edits < unrelated', async () => {
    const result = await runDetector(nondeterminism, { groupBy: 'prompt_id' }, { current }, { embedder });
    const groups = groupsOf(result.details);
    expect(groups).toHaveLength(12);
    for (const g of groups) expect(g.flagged, `${g.key} (${kindOf.get(g.key)}) score ${g.score}`).toBe(kindOf.get(g.key) === 'unrelated');
    const scores = (kind: string) => groups.filter((g) => kindOf.get(g.key) === kind).map((g) => g.score);
    expect(Math.max(...scores('identical'))).toBe(0);
    expect(Math.min(...scores('minimal'))).toBeGreaterThan(0);
    expect(Math.max(...scores('minimal'))).toBeLessThan(Math.min(...scores('unrelated')));
    expect(result.status).toBe('fail');
    expect(result.statistic).toBeCloseTo(4 / 12, 12);
    expect(result.threshold).toBe(0);
    // The details contract.
    for (const g of groups) {
      expect(g).toMatchObject({ key: expect.any(String), score: expect.any(Number), flagged: expect.any(Boolean), samples: 5, clusters: expect.any(Number) });
      expect(g.score).toBeGreaterThanOrEqual(0);
      expect(g.score).toBeLessThanOrEqual(1);
    }
    const q1 = groups.find((g) => g.key === 'q1')!;
    expect(q1).toMatchObject({ exactMatch: 1, distinctShare: 0.2, clusters: 1, semanticEntropy: 0 });
    const q9 = groups.find((g) => g.key === 'q9')!;
    expect(q9).toMatchObject({ exactMatch: 0.2, distinctShare: 1, clusters: 5 });
    expect(q9.semanticEntropy).toBeCloseTo(Math.log(5), 12);
    expect(groups.find((g) => g.key === 'q5')!.clusters).toBe(1);
  });

  it('passes when maxShare allows the flagged share', async () => {
    const result = await runDetector(nondeterminism, { groupBy: 'prompt_id', maxShare: 0.4 }, { current }, { embedder });
    expect(result.status).toBe('pass');
  });

  it('with a reference, tests paired by prompt whether instability grew', async () => {
    const result = await runDetector(nondeterminism, { groupBy: 'prompt_id', maxShare: 1 }, { reference, current }, { embedder });
    const comparison = (result.details as { comparison: { pairs: number; n: number; statistic: number; pValue: number; meanIncrease: number } }).comparison;
    expect(comparison.pairs).toBe(12);
    // q5–q8 became unstable (4 positive differences); q9–q12 are unchanged (zeros, dropped).
    expect(comparison.n).toBe(4);
    expect(comparison.statistic).toBe(10);
    expect(comparison.pValue).toBeCloseTo(1 / 16, 12);
    expect(comparison.meanIncrease).toBeGreaterThan(0);
    expect(result.pValue).toBe(comparison.pValue);
    // Not significant at 0.05 with four prompts; at alpha 0.1 the growth fails the check.
    expect(result.status).toBe('pass');
    const strict = await runDetector(nondeterminism, { groupBy: 'prompt_id', maxShare: 1, alpha: 0.1 }, { reference, current }, { embedder });
    expect(strict.status).toBe('fail');
    expect(strict.message).toContain('instability grew');
  });

  it('extracts short answers: agreement with the majority and the variance of numbers', async () => {
    const rows = [
      ...['The answer is 42.', 'The answer is 42.', 'The answer is 40.', '42', 'answer: 44'].map((response) => ({ prompt: 'p-num', response })),
      ...['Yes, it is.', 'yes', 'No.', 'Yes because of X.'].map((response) => ({ prompt: 'p-yn', response })),
      ...['(B) Paris', 'The answer is B.', 'B', 'C) Lyon'].map((response) => ({ prompt: 'p-opt', response })),
    ];
    const result = await runDetector(nondeterminism, {}, { current: rows }, { embedder });
    const by = new Map(groupsOf(result.details).map((g) => [g.key, g]));
    expect(by.get('p-num')!.answer).toMatchObject({ kind: 'number', majority: 42, agreement: 3 / 5, distinct: 3 });
    // mean 42, squared deviations 0 0 4 0 4 → 8 / 4
    expect(by.get('p-num')!.answer!.variance).toBeCloseTo(2, 12);
    expect(by.get('p-yn')!.answer).toMatchObject({ kind: 'yesno', majority: 'yes', agreement: 3 / 4 });
    expect(by.get('p-opt')!.answer).toMatchObject({ kind: 'option', majority: 'B', agreement: 3 / 4 });
  });

  it('computes pass^k and pass@k per task from a grader field, with Wilson intervals', async () => {
    // Task a: 3 of 5 pass; task b: 5 of 5; task c: 0 of 5.
    const graded = (prompt: string, c: number) => Array.from({ length: 5 }, (_, i) => ({ prompt, response: `answer ${i}`, correct: i < c }));
    const rows = [...graded('a', 3), ...graded('b', 5), ...graded('c', 0)];
    const result = await runDetector(nondeterminism, { passField: 'correct', k: [1, 2, 5] }, { current: rows }, { embedder });
    const by = new Map(groupsOf(result.details).map((g) => [g.key, g]));
    const a = by.get('a')!.pass!;
    // pass^2 = C(3,2)/C(5,2) = 3/10; pass@2 = 1 − C(2,2)/C(5,2) = 9/10; pass^5 = 0; pass@5 = 1.
    expect(a.passHatK['1']).toBeCloseTo(0.6, 12);
    expect(a.passHatK['2']).toBeCloseTo(0.3, 12);
    expect(a.passAtK['2']).toBeCloseTo(0.9, 12);
    expect(a.passHatK['5']).toBe(0);
    expect(a.passAtK['5']).toBe(1);
    // Wilson 95 % interval for 3/5: 0.2307 … 0.8824.
    expect(a.ci[0]).toBeCloseTo(0.2307, 3);
    expect(a.ci[1]).toBeCloseTo(0.8824, 3);
    const pass = (result.details as { pass: { k: Record<string, { passHatK: number; passAtK: number; tasks: number }> } }).pass;
    // Means over the three tasks: pass^2 (0.3 + 1 + 0)/3, pass@2 (0.9 + 1 + 0)/3.
    expect(pass.k['2']).toMatchObject({ tasks: 3 });
    expect(pass.k['2']!.passHatK).toBeCloseTo(1.3 / 3, 12);
    expect(pass.k['2']!.passAtK).toBeCloseTo(1.9 / 3, 12);
  });

  it('grades with an assertion against an expected field', async () => {
    const rows = [
      ...['The answer is 42.', 'It is 42', 'I think 41'].map((response) => ({ prompt: 'q', response, expected: 42 })),
      ...['Blue.', 'Blue!'].map((response) => ({ prompt: 'open', response })),
    ];
    const result = await runDetector(nondeterminism, { assert: { equalsField: 'expected' }, k: [1, 2] }, { current: rows }, { embedder });
    const g = groupsOf(result.details).find((x) => x.key === 'q')!;
    expect(g.pass).toMatchObject({ passed: 2, n: 3 });
    expect(g.pass!.passHatK['2']).toBeCloseTo(1 / 3, 12);
    // A prompt without an expected answer is left out of pass^k, and counted.
    expect(groupsOf(result.details).find((x) => x.key === 'open')!.pass).toBeUndefined();
    expect((result.details as { pass: { tasks: number; ungraded: number } }).pass).toMatchObject({ tasks: 1, ungraded: 1 });
  });

  it('reports the probability-weighted semantic entropy when samples carry log-probabilities', async () => {
    const rows = [
      { prompt: 'p', response: 'Paris is the capital of France.', logprobs: [-0.1, -0.1] },
      { prompt: 'p', response: 'Paris is the capital of France.', logprobs: [-0.1, -0.1] },
      { prompt: 'p', response: 'Bananas are berries but strawberries are not.', logprobs: [-2, -2] },
    ];
    const result = await runDetector(nondeterminism, {}, { current: rows }, { embedder });
    const g = groupsOf(result.details)[0]!;
    // Clusters {0,1} and {2}; mean logprobs −0.1, −0.1, −2 → masses 2e^−0.1 : e^−2.
    const p = (2 * Math.exp(-0.1)) / (2 * Math.exp(-0.1) + Math.exp(-2));
    expect(g.clusters).toBe(2);
    expect(g.semanticEntropy).toBeCloseTo(-(2 / 3) * Math.log(2 / 3) - (1 / 3) * Math.log(1 / 3), 12);
    expect(g.weightedSemanticEntropy).toBeCloseTo(-p * Math.log(p) - (1 - p) * Math.log(1 - p), 12);
  });

  it('scores each sentence of the first sample by the support of the others (SelfCheckGPT)', async () => {
    const rows = [
      'Marie Curie won two Nobel Prizes. She was born in Warsaw. She invented the telephone.',
      'Marie Curie won Nobel Prizes in physics and chemistry. She was born in Warsaw.',
      'Born in Warsaw, Marie Curie won two Nobel Prizes.',
    ].map((response) => ({ prompt: 'curie', response }));
    const result = await runDetector(nondeterminism, {}, { current: rows }, { embedder });
    const check = groupsOf(result.details)[0]!.selfCheck!;
    expect(check.sentences.map((s) => s.text)).toEqual(['Marie Curie won two Nobel Prizes.', 'She was born in Warsaw.', 'She invented the telephone.']);
    expect(check.sentences[2]!.consistency).toBe(0);
    expect(check.sentences[1]!.consistency).toBeGreaterThan(0.5);
    expect(check.min).toBe(0);
  });

  it('counts records without text or prompt, leaves single-sample prompts out, and explains bad input', async () => {
    const rows = [{ prompt: 'a', response: 'x' }, { prompt: 'a', response: 'x' }, { prompt: 'b', response: 'y' }, { prompt: 'c' }, { response: 'z' }];
    const result = await runDetector(nondeterminism, {}, { current: rows }, { embedder });
    expect(result.details!.skipped).toEqual({ missingText: 1, missingKey: 1, singletonGroups: 1 });
    expect(result.message).toContain('skipped 2 records');
    expect(await runDetector(nondeterminism, {}, { current: [{ prompt: 'a', response: 'x' }, { prompt: 'b', response: 'y' }] }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/no prompt has two or more samples/) });
    expect(await runDetector(nondeterminism, { field: 'text' }, { current: [{ prompt: 'a', response: 'x' }] }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/field "text" is missing in every record/) });
    expect(await runDetector(nondeterminism, {}, { current: [{ prompt: 'a', response: 3 }] }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/record 1: field "response" is a number, not text/) });
    expect(await runDetector(nondeterminism, { passField: 'ok', assert: { contains: 'x' } }, { current: rows }, { embedder })).toMatchObject({ status: 'error', message: expect.stringMatching(/either passField .* or assert/) });
  });

  it('clusters by bidirectional entailment judged through the provider (Kuhn et al.)', async () => {
    const prompts: string[] = [];
    // A judge that says two answers entail each other when they name the same city.
    const judge: Provider = {
      id: 'fake-judge',
      async complete(request) {
        const text = request.messages[0]!.content;
        prompts.push(text);
        const city = (s: string) => /Paris|London/.exec(s)?.[0];
        const [, a, b] = /Possible Answer 1: (.*)\nPossible Answer 2: (.*)\n/.exec(text)!;
        return { text: city(a!) === city(b!) ? 'Entailment.' : 'contradiction' };
      },
    };
    const rows = ['Paris is the capital.', 'The capital is Paris, of course.', "It's London.", 'Paris.']
      .map((response) => ({ prompt: 'What is the capital of France?', response }));
    const result = await runDetector(nondeterminism, { clusterBy: 'entailment' }, { current: rows }, { embedder, services: { provider: async () => judge } });
    const g = groupsOf(result.details)[0]!;
    expect(g.clusterOf).toEqual([0, 0, 1, 0]);
    expect(g.semanticEntropy).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
    // Sample 1 vs the first cluster: both ways (2 calls); sample 2: one refusal (1); sample 3: 2.
    expect((result.details as { scoring: { entailment: { calls: number; unparsed: number; judge: string } } }).scoring.entailment).toEqual({ judge: 'fake-judge', calls: 5, unparsed: 0 });
    expect(prompts[0]).toContain('We are evaluating answers to the question "What is the capital of France?"');
  });

  it('the lexical measure alone needs no embedder and keeps the ordering', async () => {
    const result = await runDetector(nondeterminism, { groupBy: 'prompt_id', similarity: 'lexical' }, { current });
    const groups = groupsOf(result.details);
    for (const g of groups) expect(g.flagged, g.key).toBe(kindOf.get(g.key) === 'unrelated');
  });
});
