/**
 * Plugin packages without npm: discovery by keyword (manifests only), the @vigia/core range checked
 * before any plugin code runs, and `vigia new plugin`'s argument handling. (test/packaging.test.ts
 * does the same with real npm installs.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, linkCore, STACK, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

const plugin = (name: string, range: string) => ({
  [`node_modules/${name}/package.json`]: JSON.stringify({
    name, version: '1.2.3', type: 'module', keywords: ['vigia-plugin'], exports: { '.': { import: './index.js' } }, peerDependencies: { '@vigia/core': range },
  }),
  // Writes a marker when imported, so the test sees whether any code ran.
  [`node_modules/${name}/index.js`]: `
import { writeFileSync } from 'node:fs';
import { CORE_API_VERSION, defineDetector, definePlugin } from '@vigia/core';
writeFileSync(new URL('./imported', import.meta.url), 'yes');
const ok = defineDetector({ description: 'Always passes, for tests.', options: { type: 'object', properties: {} }, create: () => ({ evaluate: () => ({ status: 'pass', statistic: 1, pValue: null, threshold: null, message: 'fine' }) }) });
export default definePlugin({ name: '${name}', apiVersion: CORE_API_VERSION, detectors: { '${name.replace('vigia-plugin-', '')}-ok': ok } });
`,
});

describe('plugin packages', () => {
  it('vigia plugins lists installed plugin packages from manifests, marks the used one, and runs none it does not need', () => {
    const dir = tempProject({
      'package.json': JSON.stringify({ dependencies: { 'vigia-plugin-good': '1', 'vigia-plugin-spare': '1' } }),
      ...plugin('vigia-plugin-good', '^0.1.0'),
      ...plugin('vigia-plugin-spare', '>=0.1.0'),
      'current.jsonl': '{"x":1}\n',
      'vigia.yaml': 'version: 1\nplugins: [vigia-plugin-good]\ndata:\n  current: { use: jsonl, with: { path: current.jsonl } }\ndetectors:\n  - use: good-ok\n',
    });
    linkCore(dir);
    const listed = vigia(['plugins', '--packages'], { cwd: dir });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/@vigia\/plugin-drift +built-in/);
    expect(listed.stdout).toMatch(/vigia-plugin-good 1\.2\.3 +installed +@vigia\/core \^0\.1\.0/);
    expect(existsSync(join(dir, 'node_modules', 'vigia-plugin-good', 'imported'))).toBe(false);

    const withConfig = vigia(['plugins', '--packages', '--json', '--config', 'vigia.yaml'], { cwd: dir });
    const { packages } = JSON.parse(withConfig.stdout) as { packages: Array<{ name: string; used: boolean; source: string }> };
    expect(packages.filter((p) => p.source === 'installed').map((p) => [p.name, p.used])).toEqual([['vigia-plugin-good', true], ['vigia-plugin-spare', false]]);
    expect(existsSync(join(dir, 'node_modules', 'vigia-plugin-spare', 'imported'))).toBe(false);
    expect(vigia(['run', 'vigia.yaml'], { cwd: dir }).code).toBe(0);
  });

  it('a plugin whose @vigia/core range excludes this version is a config error (exit 2), found before its code runs', () => {
    const dir = tempProject({
      ...plugin('vigia-plugin-future', '^3.0.0'),
      'vigia.yaml': 'version: 1\nplugins: [vigia-plugin-future]\n',
    });
    linkCore(dir);
    for (const cmd of [['validate', 'vigia.yaml'], ['run', 'vigia.yaml']]) {
      const r = vigia(cmd, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.stderr).toContain('vigia.yaml:2: /plugins/0: plugin "vigia-plugin-future" 1.2.3 supports @vigia/core ^3.0.0 (versions >=3.0.0 <4.0.0-0), but this Vigia has @vigia/core 0.1.0');
    }
    expect(existsSync(join(dir, 'node_modules', 'vigia-plugin-future', 'imported'))).toBe(false);
    const listed = vigia(['plugins', '--packages'], { cwd: dir });
    expect(listed.code).toBe(0);
  });
});

describe('vigia new plugin', () => {
  it('names the package, writes the skeleton, and refuses a non-empty directory or a bad name', () => {
    const dir = tempProject({ 'taken/file.txt': 'x' });
    const r = vigia(['new', 'plugin', '@team/acme', '--dir', 'acme', '--link'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(dir, 'acme', 'package.json'), 'utf8')) as Record<string, Record<string, string> & string[]>;
    expect(pkg.name).toBe('@team/vigia-plugin-acme');
    expect(pkg.keywords).toContain('vigia-plugin');
    expect(pkg.peerDependencies).toEqual({ '@vigia/core': '^0.1.0' });
    expect(pkg.devDependencies['@vigia/testing']).toMatch(/^file:.*packages\/testing$/);
    for (const f of ['tsconfig.json', 'src/index.ts', 'src/index.test.ts', 'README.md']) expect(existsSync(join(dir, 'acme', f)), f).toBe(true);
    expect(readFileSync(join(dir, 'acme', 'src', 'index.ts'), 'utf8')).toContain("detectors: { 'acme-mean-shift': meanShift }");

    const taken = vigia(['new', 'plugin', 'acme', '--dir', 'taken'], { cwd: dir });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('already exists and is not empty');
    const bad = vigia(['new', 'plugin', 'Not A Name'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('is not a valid npm package name');
    const nowhere = vigia(['new', 'plugin', 'acme', '--dir', 'x', '--link', 'no-such-dir'], { cwd: dir });
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('--link no-such-dir: no such directory');
  });
});
