#!/usr/bin/env node
// Part of `pnpm build` (after tsc): writes packages/core/dist/vendor/<name>-<version>.cjs, one
// file each for the core's CommonJS dependencies that come as many small files (yaml: ~75 files,
// tsyringe: ~40). Loading them file by file was a large share of every `vigia run`'s start-up;
// one bundled file of the same package loads ~4× faster. The core uses a vendored file only when
// its version is the installed one (vendor.ts) and the package itself otherwise, so a missing or
// outdated vendor directory costs time, never correctness. Licence comments are kept.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Keep in step with VENDORED in packages/core/src/vendor.ts. */
const VENDORED = ['yaml', 'tsyringe'];

const core = fileURLToPath(new URL('../packages/core/', import.meta.url));
const requireFromCore = createRequire(join(core, 'package.json'));
const out = join(core, 'dist', 'vendor');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const name of VENDORED) {
  const entry = requireFromCore.resolve(name);
  const { version } = JSON.parse(readFileSync(requireFromCore.resolve(`${name}/package.json`), 'utf8'));
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    outfile: join(out, `${name}-${version}.cjs`), legalComments: 'inline', logLevel: 'warning',
  });
  console.log(`vendored ${name} ${version}`);
}
