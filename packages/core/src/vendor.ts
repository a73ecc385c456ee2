/**
 * The core's CommonJS dependencies that come as many small files (yaml, tsyringe) or are large
 * (reflect-metadata, 64 KB), loaded from
 * the one-file copies `pnpm build` writes to dist/vendor/ (scripts/bundle-vendor.mjs) when their
 * version is the installed one, else from the package itself. Loading ~115 small files was a large
 * share of every `vigia run`'s start-up; the copies are the same code, bundled.
 *
 * Each copy comes with a V8 code cache (`<copy>.v8cache`, made by the build after parsing the
 * repository's example configs), so a run neither parses yaml's 270 KB nor compiles its parser
 * functions again. V8 checks the cache against the source, its own version and flags, and
 * ignores it when they differ (another Node version): the copy is then compiled as usual.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const require = createRequire(import.meta.url);

/** The packages scripts/bundle-vendor.mjs bundles (keep in step). */
export const VENDORED = ['yaml', 'tsyringe', 'reflect-metadata'] as const;

/** A vendored copy, compiled with its code cache when there is one. */
export interface VendoredFile {
  exports: unknown;
  script: Script;
  /** undefined: no cache file; false: the cache was used; true: V8 refused it (another Node). */
  cacheRejected: boolean | undefined;
}

const loaded = new Map<string, VendoredFile>();

/**
 * Load a one-file CommonJS copy the way Node's require() would (same wrapper, its own require),
 * but compiled through vm.Script so that the build's code cache can be used. The wrapper text is
 * part of what the cache is checked against: scripts/bundle-vendor.mjs makes the cache through
 * this same function.
 */
export function loadVendoredFile(file: string): VendoredFile {
  let entry = loaded.get(file);
  if (!entry) {
    const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(file, 'utf8')}\n});`;
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(`${file}.v8cache`);
    } catch {
      // no cache (an older build): compiled from the source
    }
    const script = new Script(source, { filename: file, cachedData });
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
    entry = { exports: module.exports, script, cacheRejected: cachedData ? script.cachedDataRejected === true : undefined };
    loaded.set(file, entry);
  }
  return entry;
}

/**
 * The installed version of a package: from its package.json, found beside its resolved entry when
 * the package does not export ./package.json (reflect-metadata).
 */
export function installedVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (!existsSync(manifest)) continue;
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version: string };
      if (pkg.name === name) return pkg.version;
    }
    throw new Error(`cannot find the version of ${name}`);
  }
}

/** Where the copy of the installed version would be (whether or not it exists). */
export function vendoredPath(name: (typeof VENDORED)[number]): string {
  const version = installedVersion(name);
  return fileURLToPath(new URL(`./vendor/${name}-${version}.cjs`, import.meta.url));
}

/** `require(name)`, from the vendored copy of the installed version when there is one. */
export function requireVendored<T>(name: (typeof VENDORED)[number]): T {
  let copy: string | undefined;
  try {
    copy = vendoredPath(name);
  } catch {
    // no readable manifest: the package itself
  }
  try {
    if (copy && existsSync(copy)) return loadVendoredFile(copy).exports as T;
  } catch {
    // an unreadable or broken copy: the package itself
  }
  return require(name) as T;
}

/**
 * The CommonJS copy of a generated validators module (`dist/precompiled/<name>.cjs`, which
 * `pnpm build` writes from the module's tsc output with a V8 code cache beside it), or undefined
 * when there is none (running from sources, or a build without it): the caller then uses the
 * module itself. With the cache, neither the module's ~30–150 KB are parsed nor its validators
 * compiled at start-up. Validators are looked up by their schema's JSON text, so a stale copy
 * costs time (ajv compiles the schema), never correctness.
 */
export function cachedPrecompiledValidators<T = unknown>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return (loadVendoredFile(file).exports as { default?: T }).default;
  } catch {
    return undefined;
  }
}

/**
 * Install the Reflect metadata API (tsyringe needs it). Required, not imported: an ESM import of
 * a CommonJS file makes Node scan the whole file for named exports first (~10 ms at start-up).
 */
export function requireReflectMetadata(): void {
  requireVendored('reflect-metadata');
}
