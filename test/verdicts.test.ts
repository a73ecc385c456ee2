/**
 * Verdicts a CI gate can trust (issue 7), end to end through the real CLI: a run-level correction
 * must still let a clear shift fail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRandom } from '@vigia/stats';
import { ensureBuilt, repoRoot, STACK, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

function jsonl(n: number, seed: number, shift: number): string {
  const r = createRandom(seed);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    // A clear embedding shift on two of eight dimensions; the scalar fields do not move.
    const v = Array.from({ length: 8 }, (_, j) => Number((r.normal() + (j < 2 ? shift : 0)).toFixed(4)));
    lines.push(JSON.stringify({ v, a: r.normal(), b: r.normal(), c: r.normal(), d: r.normal(), e: r.normal(), f: r.normal(), g: r.normal() }));
  }
  return `${lines.join('\n')}\n`;
}

describe('multiple testing: a correction over many detectors can still fail', () => {
  it('9 p-value detectors with bonferroni: both embedding tests of a clear shift fail', () => {
    const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const config = `version: 1
correction: bonferroni
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
detectors:
  - { id: emb-mmd, use: embedding-drift, with: { field: v, method: mmd } }
  - { id: emb-clf, use: embedding-drift, with: { field: v, method: classifier } }
${fields.map((f) => `  - { id: ks-${f}, use: feature-drift, with: { field: ${f}, test: ks } }`).join('\n')}
`;
    const dir = tempProject({ 'reference.jsonl': jsonl(200, 1, 0), 'current.jsonl': jsonl(200, 2, 0.6), 'vigia.yaml': config });
    const r = vigia(['run', `${dir}/vigia.yaml`, '--format', 'json']);
    expect(r.stderr).not.toMatch(STACK);
    const report = JSON.parse(r.stdout) as { detectors: { id: string; status: string; pValue: number; pValueAdjusted: number; details: { permutations: number } }[] };
    const byId = Object.fromEntries(report.detectors.map((d) => [d.id, d]));
    for (const id of ['emb-mmd', 'emb-clf']) {
      expect(byId[id]!.status, id).toBe('fail');
      expect(byId[id]!.pValueAdjusted, id).toBeLessThan(0.05);
      // 1 / (1 + B) at most half of 0.05 / 9.
      expect(byId[id]!.details.permutations, id).toBeGreaterThanOrEqual(359);
    }
    expect(r.code).toBe(1);
  }, 120_000);

  it('a permutation cap that keeps the floor above the corrected level warns and says so', () => {
    const config = `version: 1
correction: bonferroni
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
detectors:
  - { id: emb, use: embedding-drift, with: { field: v, method: mmd, maxPermutations: 50 } }
${['a', 'b', 'c'].map((f) => `  - { id: ks-${f}, use: feature-drift, with: { field: ${f}, test: ks } }`).join('\n')}
`;
    const dir = tempProject({ 'reference.jsonl': jsonl(150, 1, 0), 'current.jsonl': jsonl(150, 2, 0.6), 'vigia.yaml': config });
    const r = vigia(['run', `${dir}/vigia.yaml`, '--format', 'json']);
    const report = JSON.parse(r.stdout) as { detectors: { id: string; status: string; message: string; details: { warnings?: string[] } }[] };
    const emb = report.detectors.find((d) => d.id === 'emb')!;
    expect(emb.status).toBe('warn');
    expect(emb.details.warnings?.[0]).toMatch(/smallest p-value .* cannot reach the level .* maxPermutations to at least 159/);
    expect(emb.message).toMatch(/cannot reach/);
  }, 120_000);
});

describe('thresholds: alpha lives in (0, 1), and an ambiguous threshold is refused (exit 2)', () => {
  it('test: ks, threshold: 5 and a threshold without test are config errors naming the line', () => {
    const config = `version: 1
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
detectors:
  - { id: a, use: feature-drift, with: { field: a, test: ks, threshold: 5 } }
  - { id: b, use: feature-drift, with: { field: a, threshold: 0.01 } }
`;
    const dir = tempProject({ 'reference.jsonl': jsonl(20, 1, 0), 'current.jsonl': jsonl(20, 1, 0), 'vigia.yaml': config });
    for (const command of ['validate', 'run']) {
      const r = vigia([command, `${dir}/vigia.yaml`]);
      expect(r.code, command).toBe(2);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).toMatch(/vigia\.yaml:6: \/detectors\/0\/with\/threshold must be < 1: for ks, chi2 and cvm the threshold is the significance level alpha/);
      expect(r.stderr).toMatch(/vigia\.yaml:7: \/detectors\/1\/with must have property test when property threshold is present: .*use alpha: .* maxDistance:/);
    }
  });
});

describe('a metric that errors: one rule, one wording', () => {
  it('makes the run ERROR (exit 3), counted among the errored, said as an error, not a warning', () => {
    const config = `version: 1
data:
  reference: { use: jsonl, with: { path: ./reference.jsonl } }
  current: { use: jsonl, with: { path: ./current.jsonl } }
detectors:
  - { id: ks-a, use: feature-drift, with: { field: a, test: ks } }
metrics:
  - { id: lat, use: latency }
`;
    const dir = tempProject({ 'reference.jsonl': jsonl(30, 1, 0), 'current.jsonl': jsonl(30, 2, 0), 'vigia.yaml': config });
    const r = vigia(['run', `${dir}/vigia.yaml`]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/ ERROR\n/);
    expect(r.stdout).toMatch(/0 failed, 1 errored \(1 metric\)/);
    expect(r.stdout).toMatch(/error: metric lat \(latency\): /);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/warning: metric/);
  });
});

describe('intent-mix finds the planted new topics with every shipped embedder (quickstart)', () => {
  // configs/samples/README.md: 35 % of current prompts are on two BBQ categories the reference lacks.
  // The categories are read here only to score the detector's answer; the detector never sees them.
  const samples = join(repoRoot, 'configs', 'samples');
  const read = (f: string) => readFileSync(join(samples, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prompt: string; attributes: { category: string } });
  const reference = read('reference.jsonl'), current = read('current.jsonl');
  const known = new Set(reference.map((r) => r.attributes.category));
  const planted = current.filter((r) => !known.has(r.attributes.category)).length / current.length;
  const categoriesOf = new Map<string, Set<string>>();
  for (const r of current) (categoriesOf.get(r.prompt) ?? categoriesOf.set(r.prompt, new Set()).get(r.prompt)!).add(r.attributes.category);

  const model = process.env.VIGIA_TRANSFORMERS_MODEL;
  const embedders: Array<[string, string]> = [['hashing', '{ use: hashing }'], ['word-vectors', '{ use: word-vectors }']];
  if (model) embedders.push(['transformers', `{ use: transformers, with: { model: ${JSON.stringify(model)} } }`]);
  else it.skip('transformers: set VIGIA_TRANSFORMERS_MODEL to a local model folder to include it', () => {});

  it.each(embedders)('%s: reported share within 25 percent of the planted share, distinct examples from the new topics', (name, spec) => {
    const config = `version: 1
seed: 42
cache: ${JSON.stringify(join(repoRoot, 'configs', '.vigia-cache'))}
data:
  reference: { use: jsonl, with: { path: ${JSON.stringify(join(samples, 'reference.jsonl'))} } }
  current: { use: jsonl, with: { path: ${JSON.stringify(join(samples, 'current.jsonl'))} } }
embedders:
  e: ${spec}
detectors:
  - { id: intents, use: intent-mix, with: { textField: prompt, embedder: e, examples: 5 } }
`;
    const dir = tempProject({ 'vigia.yaml': config });
    const r = vigia(['run', `${dir}/vigia.yaml`, '--format', 'json']);
    expect(r.stderr).not.toMatch(STACK);
    const d = (JSON.parse(r.stdout) as { detectors: { status: string; message: string; details: { newIntents: { share: number; examples: string[] } } }[] }).detectors[0]!;
    const { share, examples } = d.details.newIntents;
    expect(share, `${name}: share ${share} vs planted ${planted}`).toBeGreaterThanOrEqual(planted * 0.75);
    expect(share).toBeLessThanOrEqual(planted * 1.25);
    expect(examples.length).toBe(5);
    expect(new Set(examples).size).toBe(examples.length);
    for (const text of examples) expect([...categoriesOf.get(text)!].some((c) => !known.has(c)), text).toBe(true);
    expect(d.status).toBe('fail');
    expect(d.message).toMatch(/^new intents appeared: \d+ of 1000 prompts \(\d+(\.\d+)?%\) on intents the reference lacks/);
  }, 180_000);
});
