/**
 * One way to run a component: for every detector of the shipped configs, @vigia/testing's
 * `runDetector` on the same data and seed gives exactly the config run's result.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createComponentContext, createStandaloneServices, planFromFile, readAll, Registry, runPlan, type Embedder, type Source, type VigiaRecord } from '@vigia/core';
import { runDetector } from '@vigia/testing';
import { repoRoot } from './helpers.js';

async function registry(): Promise<Registry> {
  const modules = await Promise.all([
    import('@vigia/plugin-sources'), import('@vigia/plugin-drift'), import('@vigia/plugin-embedders'), import('@vigia/plugin-anomaly'),
    import('@vigia/plugin-llm-metrics'), import('@vigia/plugin-bias'), import('@vigia/plugin-nondeterminism'), import('@vigia/plugin-sinks'), import('@vigia/plugin-exporters'),
  ]);
  return new Registry(modules.map((m) => m.default));
}

describe('harness = config run', () => {
  for (const name of ['quickstart', 'bias-bbq', 'nondeterminism-logged']) {
    it(`every detector of configs/${name}.yaml`, async () => {
      const plan = await planFromFile(join(repoRoot, 'configs', `${name}.yaml`), await registry());
      plan.sinks = [];
      const report = await runPlan(plan);
      const services = createStandaloneServices({ configDir: plan.loaded.dir });
      const data: Record<string, VigiaRecord[]> = {};
      for (const d of plan.datasets) {
        const ctx = createComponentContext(services, { id: d.id, use: d.use });
        data[d.id] = (await readAll((await d.component.def.create(d.options as never, ctx)) as Source, ctx)).records;
      }
      const embedders: Record<string, Embedder> = {};
      for (const e of plan.embedders) embedders[e.id] = (await e.component.def.create(e.options as never, createComponentContext(services, { id: `embedder:${e.id}`, use: e.use }))) as Embedder;
      let compared = 0;
      for (const [i, d] of plan.detectors.entries()) {
        if (d.segments) continue; // per-segment runs are covered by the segment tests
        const got = await runDetector(d.component.def as never, d.options, { reference: data[d.reference], current: data[d.current]!, datasets: data }, {
          id: d.id, seed: plan.config.seed, use: d.use, ...(plan.embedders[0] ? { embedder: embedders[plan.embedders[0].id], embedders } : {}),
        });
        const want = report.detectors[i]!;
        expect({ id: d.id, status: got.status === 'fail' && d.severity === 'warn' ? 'warn' : got.status, statistic: got.statistic, pValue: got.pValue }).toEqual({ id: d.id, status: want.status, statistic: want.statistic, pValue: want.pValue });
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    }, 180_000);
  }
});
