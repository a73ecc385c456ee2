/**
 * Virtual fields: after the datasets are read, each field provider the plan found references to
 * (`descriptors.response.refusal`) computes just those fields, once per dataset that a referencing
 * detector or metric reads. Values are stored on the records under the full dotted name, which
 * {@link getField} finds before walking nested objects.
 */
import type { Dataset, FieldProvider } from './contracts.js';
import { createComponentContext, type RunServices } from './context.js';
import type { Plan } from './plan.js';

export async function computeVirtualFields(
  plan: Plan, datasets: ReadonlyMap<string, Dataset>, services: RunServices, signal?: AbortSignal,
  /** Providers created by earlier calls of a session, by prefix (created once, reused per batch). */
  instances?: Map<string, FieldProvider>,
): Promise<void> {
  for (const provider of plan.fieldProviders) {
    const wanted = new Map<string, Set<string>>();
    const want = (dataset: string | undefined, fields: readonly string[]) => {
      if (dataset === undefined || !datasets.has(dataset)) return;
      const mine = fields.filter((f) => f.startsWith(`${provider.prefix}.`));
      if (mine.length === 0) return;
      let set = wanted.get(dataset);
      if (!set) wanted.set(dataset, (set = new Set()));
      for (const f of mine) set.add(f);
    };
    for (const d of plan.detectors) {
      want(d.current, d.virtualFields);
      if (d.component.def.needs?.includes('reference') || datasets.has(d.reference)) want(d.reference, d.virtualFields);
    }
    for (const m of plan.metrics) want(m.dataset, m.virtualFields);
    if (wanted.size === 0) continue;
    const ctx = createComponentContext(services, { id: `fields:${provider.prefix}`, use: provider.prefix, signal });
    let instance = instances?.get(provider.prefix);
    if (!instance) {
      instance = (await provider.def.create(provider.options, ctx)) as FieldProvider;
      instances?.set(provider.prefix, instance);
    }
    for (const [name, fields] of wanted) {
      const dataset = datasets.get(name)!;
      const t = services.clock.hrtime();
      const paths = [...fields].map((f) => f.slice(provider.prefix.length + 1));
      const columns = await instance!.compute(dataset, paths, ctx);
      for (const path of paths) {
        const column = columns.get(path);
        if (!column) throw new Error(`field provider "${provider.prefix}" returned no values for ${provider.prefix}.${path}`);
        const key = `${provider.prefix}.${path}`;
        dataset.records.forEach((record, i) => {
          const v = column[i];
          if (v !== undefined) (record as Record<string, unknown>)[key] = v;
        });
      }
      services.logger.debug(`computed ${paths.length} ${provider.prefix} field(s) for dataset "${name}"`, { records: dataset.records.length, ms: Math.round(services.clock.hrtime() - t) });
    }
  }
}
