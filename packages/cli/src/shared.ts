import { Registry, isVigiaError, type VigiaPlugin } from '@vigia/core';
import type { Io } from './main.js';

/** The built-in plugin families. Their modules are light: heavy dependencies load on first use. */
export async function builtinRegistry(): Promise<Registry> {
  const modules = await Promise.all([
    import('@vigia/plugin-sources'),
    import('@vigia/plugin-sinks'),
    import('@vigia/plugin-drift'),
    import('@vigia/plugin-embedders'),
    import('@vigia/plugin-anomaly'),
    import('@vigia/plugin-llm-metrics'),
    import('@vigia/plugin-bias'),
    import('@vigia/plugin-nondeterminism'),
    import('@vigia/plugin-providers'),
    import('@vigia/plugin-descriptors'),
    import('@vigia/plugin-exporters'),
  ]);
  return new Registry(modules.map((m) => m.default as VigiaPlugin));
}

/** Print an error the way users should see it: one message, no stack (unless --debug). Returns the exit code. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  if (isVigiaError(error)) {
    io.stderr(`vigia: ${error.code}: ${error.message}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`vigia: error: ${message}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 3;
}
