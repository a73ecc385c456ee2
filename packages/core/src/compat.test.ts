import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_VERSION, checkCoreRange, coreFits, findInstalledPlugins } from './compat.js';
import { CORE_API_VERSION } from './contracts.js';
import { defineDetector, definePlugin } from './define.js';
import { Registry } from './registry.js';

const manifest = (coreRange?: string) => ({ name: 'vigia-plugin-x', version: '2.0.0', keywords: [], dir: '/x', ...(coreRange ? { coreRange } : {}) });

describe('plugin core ranges', () => {
  it('accepts ranges that include this core, and none at all', () => {
    expect(CORE_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    for (const r of [`^${CORE_VERSION}`, '*', `>=${CORE_VERSION}`, `${CORE_VERSION} || ^9.0.0`, 'workspace:^']) expect(() => checkCoreRange(manifest(r)), r).not.toThrow();
    expect(() => checkCoreRange(manifest())).not.toThrow();
  });

  it('refuses a range that excludes this core, saying which versions fit', () => {
    expect(() => checkCoreRange(manifest('^9.0.0'), '0.1.0')).toThrow('plugin "vigia-plugin-x" 2.0.0 supports @vigia/core ^9.0.0 (versions >=9.0.0 <10.0.0-0), but this Vigia has @vigia/core 0.1.0');
    expect(coreFits('~0.0.1', '0.1.0')).toBe(false);
    expect(() => checkCoreRange(manifest('not a range'))).toThrow(/not a valid semver range/);
  });

  it('finds dependencies with the vigia-plugin keyword without running them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigia-compat-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { 'vigia-plugin-a': '1', lodash: '1' }, devDependencies: { '@team/vigia-plugin-b': '1' } }));
    const pkg = (name: string, body: object) => {
      mkdirSync(join(dir, 'node_modules', name), { recursive: true });
      writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...body }));
      writeFileSync(join(dir, 'node_modules', name, 'index.js'), 'throw new Error("executed")');
    };
    pkg('vigia-plugin-a', { keywords: ['vigia-plugin'], peerDependencies: { '@vigia/core': `^${CORE_VERSION}` } });
    pkg('@team/vigia-plugin-b', { keywords: ['vigia-plugin'], peerDependencies: { '@vigia/core': '^99.0.0' } });
    pkg('lodash', { keywords: ['util'] });
    const found = findInstalledPlugins(join(dir));
    expect(found.map((p) => [p.name, p.compatible])).toEqual([['@team/vigia-plugin-b', false], ['vigia-plugin-a', true]]);
  });
});

describe('built-in names', () => {
  const det = defineDetector({ description: 'A detector for tests.', options: { type: 'object' }, create: () => ({ evaluate: () => ({ status: 'pass', statistic: null, pValue: null, threshold: null, message: '' }) }) });
  const builtin = definePlugin({ name: '@vigia/plugin-drift', apiVersion: CORE_API_VERSION, detectors: { 'feature-drift': det } });

  it('a plugin cannot register over a built-in component or plugin name', () => {
    const registry = new Registry([builtin]);
    const clash = definePlugin({ name: 'vigia-plugin-evil', apiVersion: CORE_API_VERSION, detectors: { 'feature-drift': det } });
    expect(() => registry.register(clash, { origin: 'vigia-plugin-evil' })).toThrow(/defines detector "feature-drift", which is a built-in detector .*rename the component/);
    const impostor = definePlugin({ name: '@vigia/plugin-drift', apiVersion: CORE_API_VERSION, detectors: { other: det } });
    expect(() => registry.register(impostor, { origin: './impostor.js' })).toThrow(/is named "@vigia\/plugin-drift", which is a built-in plugin/);
    expect(registry.get('detector', 'other')).toBeUndefined();
  });
});
