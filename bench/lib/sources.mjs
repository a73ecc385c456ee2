// Shared by the source benchmarks: read a file through a source component as a run would, and time
// the best of several runs (each after a GC, when --expose-gc is on).
import { tmpdir } from 'node:os';
import { createComponentContext, createStandaloneServices, validateOptions } from '../../packages/core/dist/index.js';

/** Read `path` with the source definition `def` and sum one numeric field over the records. */
export async function sumViaSource(def, use, path, field) {
  const ctx = createComponentContext(createStandaloneServices({ configDir: tmpdir() }), { id: 'current', use });
  const source = await def.create(validateOptions(def, { path }), ctx);
  const { records } = await source.read(ctx);
  let sum = 0;
  for (const r of records) sum += r[field];
  return { n: records.length, sum };
}

/** The fastest of `runs` calls of `fn`, with its result. */
export async function bestOf(runs, fn) {
  let ms = Infinity;
  let result;
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    const t = performance.now();
    result = await fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, result };
}
