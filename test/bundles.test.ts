/**
 * Each workspace package's runtime entry is its one-file bundle (dist/bundle/, written by
 * scripts/bundle-packages.mjs in `pnpm build`). These checks hold that arrangement to what makes
 * it safe: every `exports`/`imports` target exists, a bundle holds only its own package's modules
 * (another @vigia package inlined would be a second copy: a second VigiaError class, a second DI
 * container, plugin paths relative to the wrong file), no bundle is older than the tsc output it
 * was made from, and the built CLI runs a config through the bundles, with a plugin loaded by path
 * seeing the same @vigia/core instance as the CLI.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { join, relative, sep } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, linkCore, repoRoot, tempProject, vigia } from './helpers.js';

interface Manifest { name: string; exports: Record<string, unknown>; imports?: Record<string, unknown>; main?: string }
interface Metafile { inputs: Record<string, unknown>; outputs: Record<string, { inputs: Record<string, unknown> }> }

const packageDirs = ['packages', 'plugins']
  .flatMap((base) => readdirSync(join(repoRoot, base)).map((d) => join(repoRoot, base, d)))
  .filter((d) => existsSync(join(d, 'package.json')));

/** Every string target under an exports/imports map, with the condition path that leads to it. */
function targets(map: unknown, path = ''): Array<[string, string]> {
  if (typeof map === 'string') return [[path, map]];
  if (!map || typeof map !== 'object') return [];
  return Object.entries(map).flatMap(([k, v]) => targets(v, path ? `${path}.${k}` : k));
}

beforeAll(() => ensureBuilt(), 300_000);

describe('package bundles', () => {
  it('every package resolves at run time to a bundle that exists, and declares types from tsc', () => {
    for (const dir of packageDirs) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      const runtime = targets(pkg.exports['.']).filter(([cond]) => cond !== 'types');
      expect(runtime.length, `${pkg.name}: exports["."] has no runtime condition`).toBeGreaterThan(0);
      for (const [cond, target] of [...runtime, ...targets(pkg.imports), ['main', pkg.main ?? ''] as [string, string]]) {
        if (cond.endsWith('types')) {
          expect(target, `${pkg.name} ${cond}`).toMatch(/^\.\/dist\/.*\.d\.ts$/);
          continue;
        }
        expect(target, `${pkg.name} ${cond} should point into dist/bundle/`).toMatch(/^\.\/dist\/bundle\/[\w-]+\.js$/);
        expect(existsSync(join(dir, target)), `${pkg.name} ${cond} → ${target} is missing: run pnpm build`).toBe(true);
      }
    }
  });

  it('a bundle contains only its own package: other @vigia packages and third-party code stay imports', () => {
    for (const dir of packageDirs) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      const meta = JSON.parse(readFileSync(join(dir, 'dist', 'bundle', 'metafile.json'), 'utf8')) as Metafile;
      const own = relative(repoRoot, join(dir, 'dist')).split(sep).join('/') + '/';
      const foreign = Object.keys(meta.inputs).filter((input) => !input.startsWith(own));
      expect(foreign, `${pkg.name}'s bundle inlines modules from outside ${own}`).toEqual([]);
      // And what the bundle's files import by name includes no relative path out of the package.
      for (const out of Object.keys(meta.outputs).filter((o) => o.endsWith('.js'))) {
        const text = readFileSync(join(repoRoot, out), 'utf8');
        expect(text, `${out} imports a file outside its package`).not.toMatch(/from\s+["']\.\.\/\.\.\//);
      }
    }
  });

  it('no bundle is older than the tsc output it was made from (else run pnpm build, not only tsc -b)', () => {
    for (const dir of packageDirs) {
      const meta = JSON.parse(readFileSync(join(dir, 'dist', 'bundle', 'metafile.json'), 'utf8')) as Metafile;
      const built = statSync(join(dir, 'dist', 'bundle', 'metafile.json')).mtimeMs;
      const stale = Object.keys(meta.inputs).filter((input) => statSync(join(repoRoot, input)).mtimeMs > built + 1);
      expect(stale, `${relative(repoRoot, dir)}: bundle is stale, run pnpm build`).toEqual([]);
      // and every tsc output module is either in the bundle or not reachable from its entries: the
      // bundle lists the index module, so the package's index is what it was made from.
      expect(Object.keys(meta.inputs).some((i) => i.endsWith('/dist/index.js'))).toBe(true);
    }
  });

  it('the code-cached CommonJS copies of the generated validators match their modules, and this Node accepts their caches', async () => {
    const copies: Array<[string, string]> = [[join(repoRoot, 'packages', 'core', 'dist', 'precompiled', 'config-validator.cjs'), join(repoRoot, 'packages', 'core', 'dist', 'generated', 'config-validator.js')]];
    const cliValidators = join(repoRoot, 'packages', 'cli', 'dist', 'generated', 'validators');
    for (const f of readdirSync(cliValidators).filter((x) => x.endsWith('.js'))) copies.push([join(repoRoot, 'packages', 'cli', 'dist', 'precompiled', f.replace(/\.js$/, '.cjs')), join(cliValidators, f)]);
    const { loadVendoredFile } = (await import(pathToFileURL(join(repoRoot, 'packages', 'core', 'dist', 'vendor.js')).href)) as typeof import('../packages/core/src/vendor.js');
    const runtime = createRequire(join(repoRoot, 'packages', 'core', 'dist', 'options.js'));
    type Validators = (require: (id: string) => unknown) => ReadonlyArray<readonly [string, unknown]>;
    for (const [copy, module] of copies) {
      expect(existsSync(copy), `${relative(repoRoot, copy)} missing: run pnpm build`).toBe(true);
      expect(statSync(copy).mtimeMs + 1, `${relative(repoRoot, copy)} is older than ${relative(repoRoot, module)}: run pnpm build`).toBeGreaterThanOrEqual(statSync(module).mtimeMs);
      const loaded = loadVendoredFile(copy);
      expect(loaded.cacheRejected, `${relative(repoRoot, copy)}: V8 rejected its code cache`).toBe(false);
      const fromCopy = (loaded.exports as { default: Validators }).default(runtime).map(([json]) => json);
      const fromModule = ((await import(pathToFileURL(module).href)) as { default: Validators }).default(runtime).map(([json]) => json);
      expect(fromCopy, relative(repoRoot, copy)).toEqual(fromModule);
    }
  });

  it('the built CLI runs through the bundles, and a plugin loaded by path gets their @vigia/core', () => {
    const dir = tempProject({
      'cur.jsonl': Array.from({ length: 20 }, (_, i) => JSON.stringify({ x: i })).join('\n'),
      // The plugin reports which file @vigia/core is for it: Node keys ESM modules by real path, so
      // the same file as the CLI's means the same module instance (one VigiaError, one DI container).
      'plugin.mjs': `import { defineDetector, definePlugin, CORE_API_VERSION } from '@vigia/core';
const where = defineDetector({ description: 'Reports where @vigia/core is.', options: { type: 'object', properties: {} },
  create: () => ({ evaluate: () => ({ status: 'pass', statistic: 0, pValue: null, threshold: 0, message: import.meta.resolve('@vigia/core') }) }) });
export default definePlugin({ name: 'where-core', apiVersion: CORE_API_VERSION, detectors: { 'where-core': where } });
`,
      'vigia.yaml': `version: 1
name: bundles
plugins: [./plugin.mjs]
data:
  current: { use: jsonl, with: { path: cur.jsonl } }
detectors:
  - { id: where, use: where-core }
`,
    });
    linkCore(dir);
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { detectors: Array<{ message: string }> };
    const cliCore = createRequire(join(repoRoot, 'packages', 'cli', 'package.json')).resolve('@vigia/core');
    expect(cliCore).toBe(join(realpathSync(repoRoot), 'packages', 'core', 'dist', 'bundle', 'index.js'));
    expect(report.detectors[0].message).toBe(pathToFileURL(cliCore).href);
  });
});
