// Run a config the way `vigia run` does: parse the YAML text, plan it against the CLI's built-in
// registry (every first-party plugin), and run it with the engine's own runner. Benchmarks use it
// so that what they measure is what a user's config gets, defaults included.
import { join } from 'node:path';
import { parseConfigText, planFromLoaded, runPlan, createLogger } from '../../packages/core/dist/index.js';
import { builtinRegistry } from '../../packages/cli/dist/index.js';

let registry;

/** Run the YAML config `text` (paths in it resolve against `dir`); returns the report. Log lines at `level` and above go to `warn`. */
export async function runConfig(text, dir, { warn = () => {}, level = 'error' } = {}) {
  registry ??= await builtinRegistry();
  const loaded = parseConfigText(text, { file: join(dir, 'bench.yaml') });
  const plan = await planFromLoaded(loaded, registry);
  return runPlan(plan, { logger: createLogger({ level, write: warn }) });
}

/**
 * Time the `update` calls of every instance of a stateful component (`kind`, `name`) the runs
 * create: a stateful detector reads its columns there while records stream, time its own
 * `durationMs` (evaluate only) does not include. `totals`: id → wall ms of its updates; `cpu`:
 * id → process CPU ms of its updates and evaluate (on a loaded machine wall time also counts the
 * other processes' turns; CPU time does not). Both summed over the runs since `reset()`.
 */
export async function timeUpdates(kind, name) {
  registry ??= await builtinRegistry();
  const component = registry.get(kind, name);
  const def = component.def;
  const totals = new Map(), cpu = new Map();
  const add = (map, id, x) => map.set(id, (map.get(id) ?? 0) + x);
  const timed = (fn, id, wall) => (...args) => {
    const t = performance.now(), c = process.cpuUsage();
    const done = () => {
      const u = process.cpuUsage(c);
      add(cpu, id, (u.user + u.system) / 1000);
      if (wall) add(totals, id, performance.now() - t);
    };
    let out;
    try {
      out = fn(...args);
    } catch (error) {
      done();
      throw error;
    }
    if (out && typeof out.then === 'function') return out.finally(done);
    done();
    return out;
  };
  component.def = {
    ...def,
    create: async (options, ctx) => {
      const instance = await def.create(options, ctx);
      if (typeof instance?.update !== 'function') return instance;
      instance.update = timed(instance.update.bind(instance), ctx.id, true);
      instance.evaluate = timed(instance.evaluate.bind(instance), ctx.id, false);
      return instance;
    },
  };
  return { totals, cpu, reset: () => { totals.clear(); cpu.clear(); } };
}

/**
 * Process CPU time of every `evaluate` call of a (stateless) component (`kind`, `name`) the runs
 * create inline: `cpu`: id → CPU ms summed over the runs since `reset()`, every thread of the
 * process included (a detector's own helper threads count; other processes' turns on a loaded
 * machine do not). `totals` stays empty (durationMs already times evaluate).
 */
export async function timeEvaluate(kind, name) {
  registry ??= await builtinRegistry();
  const component = registry.get(kind, name);
  const def = component.def;
  const totals = new Map(), cpu = new Map();
  component.def = {
    ...def,
    create: async (options, ctx) => {
      const instance = await def.create(options, ctx);
      const evaluate = instance.evaluate.bind(instance);
      instance.evaluate = (...args) => {
        const c = process.cpuUsage();
        return Promise.resolve(evaluate(...args)).finally(() => {
          const u = process.cpuUsage(c);
          cpu.set(ctx.id, (cpu.get(ctx.id) ?? 0) + (u.user + u.system) / 1000);
        });
      };
      return instance;
    },
  };
  return { totals, cpu, reset: () => { totals.clear(); cpu.clear(); } };
}
