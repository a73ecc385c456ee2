import { Registry, clipText, isVigiaError, type VigiaPlugin } from '@vigia/core';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
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
    import('@vigia/monitor'),
  ]);
  // Where each built-in comes from, so components marked `isolation: worker` can be re-imported in a worker thread.
  return new Registry(modules.map((m) => m.default as VigiaPlugin)).locateModules((name) => pathToFileURL(requireFromCli.resolve(name)).href);
}

const requireFromCli = createRequire(import.meta.url);

/** Print an error the way users should see it: one message, no stack (unless --debug). Returns the exit code. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  if (isVigiaError(error)) {
    io.stderr(`vigia: ${error.code}: ${clipLines(error.message)}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`vigia: error: ${clipLines(message)}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 3;
}

/** No line of an error message longer than a screenful: echoed input (a 100 KB name) is cut. */
function clipLines(message: string): string {
  return message.split('\n').map((line) => clipText(line, 1000)).join('\n');
}
