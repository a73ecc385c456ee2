import { loadConfigFile, planFromLoaded } from '@vigia/core';
import type { Io } from '../main.js';
import { builtinRegistryFor, reportError } from '../shared.js';

export async function validateCommand(args: { config: string; debug: boolean }, io: Io): Promise<number> {
  try {
    // Only the built-in plugins the config names are imported (start-up), unless it needs them all.
    const loaded = loadConfigFile(args.config, { env: io.env, cwd: io.cwd });
    const plan = await planFromLoaded(loaded, await builtinRegistryFor(loaded.config));
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    io.stdout(`${args.config}: valid (${count(plan.datasets.length, 'dataset')}${plan.history.length ? ` + ${count(plan.history.length, 'rolling reference')} from history` : ''}, ${count(plan.detectors.length, 'detector')}, ${count(plan.metrics.length, 'metric')}, ${count(plan.sinks.length, 'sink')}${plan.config.plugins.length ? `, ${count(plan.config.plugins.length, 'external plugin')}` : ''})\n`);
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}
