#!/usr/bin/env node
// Part of `pnpm build` (after tsc): writes packages/core/dist/vendor/<name>-<version>.cjs, one
// file each for the core's CommonJS dependencies that come as many small files (yaml: ~75 files,
// tsyringe: ~40; reflect-metadata is one 64 KB file, here for its code cache). Loading them file by file was a large share of every `vigia run`'s start-up;
// one bundled file of the same package loads ~4× faster. The core uses a vendored file only when
// its version is the installed one (vendor.ts) and the package itself otherwise, so a missing or
// outdated vendor directory costs time, never correctness. Licence comments are kept.
//
// Beside each copy, <copy>.v8cache: V8's code cache for it, made after the copy has done what a
// run does with it (yaml: parse the repository's example configs through the core's own config
// loader; tsyringe: build a child container), so the functions a run calls are in the cache
// already compiled. It is made through the core's loadVendoredFile, the function that reads it.
// V8 ignores a cache made by another Node version (the copy is then compiled as usual).
//
// Likewise the generated validators (packages/core/src/generated/config-validator.ts,
// packages/cli/src/generated/validators/*.ts; ~30–150 KB of ajv standalone code each): a CommonJS
// copy of each one's tsc output in <package>/dist/precompiled/ with its code cache, which the core
// (config schema) and the CLI (built-in plugins' options) prefer to the module itself.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** Keep in step with VENDORED in packages/core/src/vendor.ts. */
const VENDORED = ['yaml', 'tsyringe', 'reflect-metadata'];

const root = fileURLToPath(new URL('..', import.meta.url));
const core = join(root, 'packages', 'core');
const requireFromCore = createRequire(join(core, 'package.json'));
const out = join(core, 'dist', 'vendor');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const vendor = await import(pathToFileURL(join(core, 'dist', 'vendor.js')).href); // tsc output: the core's own lookups
for (const name of VENDORED) {
  const entry = requireFromCore.resolve(name);
  const version = vendor.installedVersion(name);
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    outfile: join(out, `${name}-${version}.cjs`), legalComments: 'inline', logLevel: 'warning',
  });
}

const cli = join(root, 'packages', 'cli');
const PRECOMPILED = [
  [core, 'config-validator.js'],
  ...readdirSync(join(cli, 'dist', 'generated', 'validators')).filter((f) => f.endsWith('.js')).map((f) => [cli, join('validators', f)]),
];
for (const dir of [core, cli]) rmSync(join(dir, 'dist', 'precompiled'), { recursive: true, force: true });
const precompiledCopies = [];
for (const [dir, file] of PRECOMPILED) {
  const outfile = join(dir, 'dist', 'precompiled', file.split('/').pop().replace(/\.js$/, '.cjs'));
  await build({ entryPoints: [join(dir, 'dist', 'generated', file)], bundle: false, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'warning' });
  precompiledCopies.push(outfile);
}

// The code caches, through the core's tsc output (the same vendor.js module the config loader uses).
const { parseConfigText } = await import(pathToFileURL(join(core, 'dist', 'config.js')).href);
const configs = join(root, 'configs');
for (const file of readdirSync(configs).filter((f) => /\.ya?ml$/.test(f))) {
  try {
    parseConfigText(readFileSync(join(configs, file), 'utf8'), { file: join(configs, file), env: {} });
  } catch {
    // a config that needs environment variables still exercised the parser
  }
}
vendor.requireReflectMetadata();
const { container, instanceCachingFactory } = vendor.requireVendored('tsyringe');
const child = container.createChildContainer();
child.register('a', { useValue: 1 });
child.register('b', { useFactory: instanceCachingFactory((c) => c.resolve('a') + 1) });
child.resolve('b');
for (const name of VENDORED) {
  const copy = vendor.vendoredPath(name);
  const cache = vendor.loadVendoredFile(copy).script.createCachedData();
  writeFileSync(`${copy}.v8cache`, cache);
  console.log(`vendored ${name} (${Math.round(readFileSync(copy).length / 1024)} KB, code cache ${Math.round(cache.length / 1024)} KB)`);
}
// Each validator run once (on {}: compiling it is what the cache is for); the config validator ran above.
const runtimeRequire = createRequire(join(core, 'dist', 'options.js'));
let bytes = 0;
for (const copy of precompiledCopies) {
  const loaded = vendor.loadVendoredFile(copy);
  for (const [, validate] of loaded.exports.default(runtimeRequire)) validate({});
  const cache = loaded.script.createCachedData();
  writeFileSync(`${copy}.v8cache`, cache);
  bytes += cache.length;
}
console.log(`precompiled validators: ${precompiledCopies.length} CommonJS copies with code caches (${Math.round(bytes / 1024)} KB)`);
