#!/usr/bin/env node
// Runs every bench/*.bench.mjs in its own Node process (so one benchmark's heap and JIT state do
// not colour another's), in name order, and prints their figures. `pnpm bench NAME` runs only the
// files whose name contains NAME. Benchmarks import the built packages (dist/), so build first.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.mjs'))
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n== ${file.replace(/\.bench\.mjs$/, '')} ==\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, file)], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`!! ${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
