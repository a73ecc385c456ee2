/**
 * The core's CommonJS dependencies that come as many small files (yaml, tsyringe), loaded from
 * the one-file copies `pnpm build` writes to dist/vendor/ (scripts/bundle-vendor.mjs) when their
 * version is the installed one, else from the package itself. Loading ~115 small files was a large
 * share of every `vigia run`'s start-up; the copies are the same code, bundled.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The packages scripts/bundle-vendor.mjs bundles (keep in step). */
export const VENDORED = ['yaml', 'tsyringe'] as const;

/** `require(name)`, from the vendored copy of the installed version when there is one. */
export function requireVendored<T>(name: (typeof VENDORED)[number]): T {
  try {
    const { version } = require(`${name}/package.json`) as { version: string };
    const copy = new URL(`./vendor/${name}-${version}.cjs`, import.meta.url);
    if (existsSync(copy)) return require(fileURLToPath(copy)) as T;
  } catch {
    // no readable manifest: the package itself
  }
  return require(name) as T;
}

/**
 * Install the Reflect metadata API (tsyringe needs it). Required, not imported: an ESM import of
 * a CommonJS file makes Node scan the whole file for named exports first (~10 ms at start-up).
 */
export function requireReflectMetadata(): void {
  require('reflect-metadata');
}
