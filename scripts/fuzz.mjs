#!/usr/bin/env node
// Longer fuzzing of the CLI contract than `pnpm test` runs: many cases, a fresh seed each time.
// Usage: pnpm fuzz [runs] [seed]   (defaults: 1000 cases per property, a random seed)
// A failure prints the seed and the shrunk counterexample; re-run with that seed to reproduce.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = process.argv[2] ?? '1000';
const seed = process.argv[3] ?? String(Math.floor(Math.random() * 2 ** 31));
console.log(`fuzzing: ${runs} cases per property, seed ${seed}`);
const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, VIGIA_FUZZ_RUNS: runs, VIGIA_FUZZ_SEED: seed, VIGIA_FUZZ_STATS: '1' },
});
process.exit(r.status ?? 1);
