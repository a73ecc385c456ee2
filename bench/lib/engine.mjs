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
