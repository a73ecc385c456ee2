/**
 * @vigia/testing runs a component exactly as a run does: for every shipped detector, the harness
 * (runDetector on in-memory records) and a config run (YAML config, jsonl files, the CLI's registry)
 * give identical results on the same data and seed, errors included.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFromFile, runPlan, validateOptions, type Embedder, type ErasedDef, type Detector, type VigiaRecord } from '@vigia/core';
import { createTestContext, makeDataset, runDetector } from '@vigia/testing';
import { builtinRegistry } from '../packages/cli/src/shared.js';
import { repoRoot, tempProject } from './helpers.js';

const read = (name: string, n: number) => readFileSync(join(repoRoot, 'configs', 'samples', name), 'utf8').split('\n').filter(Boolean).slice(0, n);
const refLines = read('reference.jsonl', 250);
const curLines = read('current.jsonl', 250);

/** Options per detector; a detector without an entry runs with its documented `example` (or none). */
const cases: Record<string, Record<string, unknown>> = {
  'feature-drift': { field: 'input_tokens', test: 'ks' },
  'embedding-drift': { textField: 'prompt', permutations: 50 },
  'intent-mix': { textField: 'prompt' },
  'layer-drift': {}, // the samples have no layers: both sides must give the same error
  anomaly: { field: 'latency_ms', timestampField: 'timestamp', top: 3 },
};

const registry = await builtinRegistry();
const detectors = registry.list('detector');

describe('harness = config run, for every shipped detector', () => {
  for (const component of detectors) {
    it(component.name, async (ctx) => {
      const options = cases[component.name] ?? component.def.example ?? {};
      const dir = tempProject({
        'reference.jsonl': refLines.join('\n') + '\n',
        'current.jsonl': curLines.join('\n') + '\n',
      });
      writeFileSync(join(dir, 'vigia.yaml'), JSON.stringify({
        version: 1, seed: 7, cache: false,
        data: { reference: { use: 'jsonl', with: { path: 'reference.jsonl' } }, current: { use: 'jsonl', with: { path: 'current.jsonl' } } },
        detectors: [{ use: component.name, with: options }],
      }));
      let plan;
      try {
        plan = await planFromFile(join(dir, 'vigia.yaml'), await builtinRegistry());
      } catch (error) {
        // e.g. a detector that needs a provider: not comparable without one; say so.
        ctx.skip(`${component.name} cannot run on the sample logs with ${JSON.stringify(options)}: ${(error as Error).message}`);
        return;
      }
      const report = await runPlan(plan);
      const { id, use, durationMs, ...fromRun } = report.detectors[0]!;
      expect([id, use, typeof durationMs]).toEqual([component.name, component.name, 'number']);

      // The run's default embedder is `hashing` with its defaults; hand the harness the same.
      const hashing = registry.require('embedder', 'hashing');
      const embedder = (await hashing.def.create(validateOptions(hashing.def, {}) as never, createTestContext())) as Embedder;
      const records = (lines: string[]) => lines.map((l) => JSON.parse(l) as VigiaRecord);
      const { test, ...fromHarness } = await runDetector(component.def as ErasedDef<'detector', Detector>, structuredClone(options), {
        reference: makeDataset('reference', records(refLines), { origin: 'jsonl reference.jsonl' }),
        current: makeDataset('current', records(curLines), { origin: 'jsonl current.jsonl' }),
      }, { seed: 7, embedder });
      void test;
      expect(fromHarness).toEqual(fromRun);
    });
  }
});
