import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import 'reflect-metadata'; // tsyringe needs it loaded first, as engine.ts does
import { installedVersion, loadVendoredFile, VENDORED } from '../src/vendor.js';

const require = createRequire(fileURLToPath(new URL('../package.json', import.meta.url)));
const vendorDir = fileURLToPath(new URL('../dist/vendor/', import.meta.url));

describe('vendored one-file copies of yaml and tsyringe (pnpm build)', () => {
  it.skipIf(!existsSync(vendorDir))('are the installed versions and export what the packages export', () => {
    const files = readdirSync(vendorDir);
    for (const name of VENDORED) {
      const version = installedVersion(name);
      expect(files, `${name} ${version} missing from dist/vendor: run pnpm build`).toContain(`${name}-${version}.cjs`);
      const copy = require(`${vendorDir}${name}-${version}.cjs`) as Record<string, unknown>;
      const original = require(name) as Record<string, unknown>;
      expect(Object.keys(copy).sort(), name).toEqual(Object.keys(original).sort());
    }
    const yaml = require(`${vendorDir}yaml-${(require('yaml/package.json') as { version: string }).version}.cjs`) as typeof import('yaml');
    expect(yaml.parse('a: [1, {b: c}]')).toEqual({ a: [1, { b: 'c' }] });
  });

  it.skipIf(!existsSync(vendorDir))('come with a V8 code cache this Node accepts (else every run compiles them again)', () => {
    for (const name of VENDORED) {
      const copy = `${vendorDir}${name}-${installedVersion(name)}.cjs`;
      expect(existsSync(`${copy}.v8cache`), `${copy}.v8cache missing: run pnpm build`).toBe(true);
      const loaded = loadVendoredFile(copy);
      // false = used. true would mean the build made it for other source text, another wrapper or another Node.
      expect(loaded.cacheRejected, `${name}: V8 rejected the code cache`).toBe(false);
      expect(Object.keys(loaded.exports as object).sort()).toEqual(Object.keys(require(name) as object).sort());
    }
  });
});
