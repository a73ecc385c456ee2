/**
 * `fields(options)` must name every record field a component reads: when every component of a
 * config declares its fields, sources keep only those, and a field missing from the list silently
 * changes a result. For every shipped detector and metric, a run on records projected to its
 * declared fields gives exactly the result of a run on the full records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projector, validateOptions, type Detector, type ErasedDef, type Metric, type VigiaRecord } from '@vigia/core';
import { createRandom } from '@vigia/stats';
import { makeDataset, runDetector, runMetric } from '@vigia/testing';
import { builtinRegistry } from '../packages/cli/src/shared.js';
import { repoRoot } from './helpers.js';

const lines = (path: string, n = Infinity) => readFileSync(join(repoRoot, 'configs', 'samples', path), 'utf8').split('\n').filter(Boolean).slice(0, n).map((l) => JSON.parse(l) as VigiaRecord);

/** The sample logs, with the fields the other components read added (seeded, so the test is stable). */
function logs(path: string): VigiaRecord[] {
  const rng = createRandom(path.length);
  return lines(path, 300).map((r, i) => ({
    ...r,
    cpu_utilization: rng.next(),
    memory_bytes: 1e9 + Math.round(rng.next() * 1e8),
    status: i % 17 === 0 ? 503 : 200,
    error: i % 23 === 0 ? 'timeout' : null,
    logprobs: Array.from({ length: 4 }, () => Math.log(0.2 + 0.8 * rng.next())),
    layers: { h0: rng.normal(), h1: [rng.normal(), rng.normal()] },
    noise: { a: 1, b: 'unused' },
  }));
}

const reference = logs('reference.jsonl');
const current = logs('current.jsonl');

/** Counterfactual sets and yes/no outcomes by group. */
const groupRecords: VigiaRecord[] = Array.from({ length: 240 }, (_, i) => ({
  set: `s${Math.floor(i / 3)}`,
  group: ['A', 'B', 'C'][i % 3],
  response: i % 3 === 1 && i % 2 === 0 ? 'I cannot help with that, sorry.' : `Sure, here is answer number ${i} which is great.`,
  approved: (i * 7) % 5 < (i % 3 === 0 ? 3 : 2),
  repaid: (i * 11) % 4 !== 0,
  unused: 'x'.repeat(10),
}));

const bbq = lines('bbq/Age.jsonl').map((r, i) => ({ ...r, pred: `ans${(i * 7) % 3}`, extra: 1 }));

type Data = { reference?: VigiaRecord[]; current: VigiaRecord[] };
const cases: Record<string, { options: Record<string, unknown>; data: Data }> = {
  'feature-drift': { options: { field: 'latency_ms' }, data: { reference, current } },
  'embedding-drift': { options: { textField: 'prompt', permutations: 20 }, data: { reference, current } },
  'intent-mix': { options: { textField: 'prompt' }, data: { reference, current } },
  'layer-drift': { options: { permutations: 20 }, data: { reference, current } },
  anomaly: { options: { field: 'latency_ms', timestampField: 'timestamp', top: 3 }, data: { reference, current } },
  'counterfactual-bias': { options: { measure: 'refusal', baseline: 'A' }, data: { current: groupRecords } },
  'group-parity': { options: { outcomeField: 'approved', groupField: 'group', labelField: 'repaid', minGroupSize: 10 }, data: { current: groupRecords } },
  'bbq-bias': { options: { predictionField: 'pred' }, data: { current: bbq } },
  nondeterminism: { options: { field: 'response', groupBy: 'prompt_id' }, data: { current: lines('nondeterminism/current.jsonl') } },
  latency: { options: { groupBy: 'model' }, data: { current } },
  tokens: { options: { groupBy: 'model', prices: { 'unifiedqa-t5-11b': { input: 0.15, output: 0.6 } } }, data: { current } },
  throughput: { options: { window: '1m' }, data: { current } },
  errors: { options: { groupBy: 'model' }, data: { current } },
  resources: { options: { process: false }, data: { current } },
  'token-quality': { options: {}, data: { current } },
  'field-stats': { options: { fields: ['latency_ms', 'output_tokens'] }, data: { current } },
};

const registry = await builtinRegistry();
const project = (fields: readonly string[], records: VigiaRecord[] | undefined) => records?.map(projector(fields));

describe('fields(options) names everything a component reads', () => {
  for (const kind of ['detector', 'metric'] as const) {
    for (const component of registry.list(kind)) {
      it(`${kind} ${component.name}`, async () => {
        const spec = cases[component.name] ?? { options: (component.def.example ?? {}) as Record<string, unknown>, data: { reference, current } };
        expect(component.def.fields, `${component.name} declares no fields(options): add one, or sources cannot project records for it`).toBeTypeOf('function');
        const fields = (component.def.fields as (o: unknown) => readonly string[] | undefined)(validateOptions(component.def, structuredClone(spec.options)));
        expect(fields, `${component.name}: fields() gave undefined for the test's options`).toBeDefined();
        const projected = { current: project(fields!, spec.data.current)!, ...(spec.data.reference ? { reference: project(fields!, spec.data.reference) } : {}) };
        // projection really drops something, or the comparison proves nothing
        expect(Object.keys(projected.current[0]!).length).toBeLessThan(Object.keys(spec.data.current[0]!).length);
        if (kind === 'detector') {
          const def = component.def as ErasedDef<'detector', Detector>;
          const full = await runDetector(def, structuredClone(spec.options), { current: makeDataset('current', spec.data.current), ...(spec.data.reference ? { reference: makeDataset('reference', spec.data.reference) } : {}) });
          const cut = await runDetector(def, structuredClone(spec.options), { current: makeDataset('current', projected.current), ...(projected.reference ? { reference: makeDataset('reference', projected.reference) } : {}) });
          expect(full.status, full.message).not.toBe('error');
          expect(cut).toEqual(full);
        } else {
          const def = component.def as ErasedDef<'metric', Metric>;
          const full = await runMetric(def, structuredClone(spec.options), spec.data.current);
          const cut = await runMetric(def, structuredClone(spec.options), projected.current);
          expect(full.length).toBeGreaterThan(0);
          expect(cut).toEqual(full);
        }
      });
    }
  }
});
