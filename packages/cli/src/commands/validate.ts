import { planFromFile } from '@vigia/core';
import type { Io } from '../main.js';
import { builtinRegistry, reportError } from '../shared.js';

export async function validateCommand(args: { config: string; debug: boolean }, io: Io): Promise<number> {
  try {
    const plan = await planFromFile(args.config, await builtinRegistry(), { env: io.env, cwd: io.cwd });
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    io.stdout(`${args.config}: valid (${count(plan.datasets.length, 'dataset')}, ${count(plan.detectors.length, 'detector')}, ${count(plan.metrics.length, 'metric')}, ${count(plan.sinks.length, 'sink')}${plan.config.plugins.length ? `, ${count(plan.config.plugins.length, 'external plugin')}` : ''})\n`);
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}
