// Run a config the way `vigia run` does: parse the YAML text, plan it against the CLI's built-in
// registry (every first-party plugin), and run it with the engine's own runner. Benchmarks use it
// so that what they measure is what a user's config gets, defaults included.
import { join } from 'node:path';
import { parseConfigText, planFromLoaded, runPlan, createLogger } from '../../packages/core/dist/index.js';
import { builtinRegistry } from '../../packages/cli/dist/index.js';

let registry;

/** Run the YAML config `text` (paths in it resolve against `dir`); returns the report. */
export async function runConfig(text, dir, { warn = () => {} } = {}) {
  registry ??= await builtinRegistry();
  const loaded = parseConfigText(text, { file: join(dir, 'bench.yaml') });
  const plan = await planFromLoaded(loaded, registry);
  return runPlan(plan, { logger: createLogger({ level: 'error', write: warn }) });
}

/**
 * Time the `update` calls of every instance of a stateful component (`kind`, `name`) the runs
 * create: a stateful detector reads its columns there while records stream, time its own
 * `durationMs` (evaluate only) does not include. Returns a map id → ms, summed over the runs since
 * the last `reset()`.
 */
export async function timeUpdates(kind, name) {
  registry ??= await builtinRegistry();
  const component = registry.get(kind, name);
  const def = component.def;
  const totals = new Map();
  component.def = {
    ...def,
    create: async (options, ctx) => {
      const instance = await def.create(options, ctx);
      if (typeof instance?.update !== 'function') return instance;
      const update = instance.update.bind(instance);
      instance.update = (batch, c) => {
        const t = performance.now();
        try {
          return update(batch, c);
        } finally {
          totals.set(ctx.id, (totals.get(ctx.id) ?? 0) + performance.now() - t);
        }
      };
      return instance;
    },
  };
  return { totals, reset: () => totals.clear() };
}
