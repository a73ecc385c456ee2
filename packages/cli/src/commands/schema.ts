import { coreConfigSchema, planFromFile } from '@vigia/core';
import type { Io } from '../main.js';
import { builtinRegistry, reportError } from '../shared.js';

export async function schemaCommand(args: { config?: string; debug: boolean }, io: Io): Promise<number> {
  try {
    const registry = await builtinRegistry();
    if (args.config) await planFromFile(args.config, registry, { env: io.env, cwd: io.cwd });
    io.stdout(JSON.stringify(registry.composeSchema(coreConfigSchema), null, 2) + '\n');
    return 0;
  } catch (error) {
    return reportError(error, io, args.debug);
  }
}
