import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, linkCore, STACK, tempProject, vigia } from './helpers.js';

beforeAll(() => ensureBuilt(), 300_000);

// A plugin as a team would publish it: its own package, @vigia/core as a peer dependency, plain JS.
const pluginPackage = {
  'node_modules/vigia-plugin-acme/package.json': JSON.stringify({
    name: 'vigia-plugin-acme', version: '1.0.0', type: 'module',
    exports: { '.': { import: './index.js' } }, peerDependencies: { '@vigia/core': '*' },
  }),
  'node_modules/vigia-plugin-acme/index.js': `
import { CORE_API_VERSION, defineDetector, definePlugin, numericColumn } from '@vigia/core';

const maxMean = defineDetector({
  description: 'Fails when the mean of a field in current exceeds a limit.',
  options: { type: 'object', properties: { field: { type: 'string' }, limit: { type: 'number', default: 100 } }, required: ['field'] },
  create: ({ field, limit }) => ({
    evaluate({ current }) {
      const xs = numericColumn(current, field).values;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { status: mean > limit ? 'fail' : 'pass', statistic: mean, pValue: null, threshold: limit, message: 'mean ' + mean.toFixed(1) };
    },
  }),
});

const explodes = defineDetector({
  description: 'Throws, to show isolation.',
  options: { type: 'object', properties: {} },
  create: () => ({ evaluate() { throw new Error('acme backend unavailable'); } }),
});

export default definePlugin({ name: 'vigia-plugin-acme', apiVersion: CORE_API_VERSION, detectors: { 'acme-max-mean': maxMean, 'acme-explodes': explodes } });
`,
  'current.jsonl': '{"latency_ms": 120}\n{"latency_ms": 140}\n',
};

describe('external plugins', () => {
  it('loads a plugin package named in plugins:, runs it, and isolates a throwing detector', () => {
    const dir = tempProject({
      ...pluginPackage,
      'vigia.yaml': `version: 1
plugins: [vigia-plugin-acme]
data:
  current: { use: jsonl, with: { path: current.jsonl } }
detectors:
  - { id: mean-ok, use: acme-max-mean, with: { field: latency_ms, limit: 200 } }
  - { id: broken, use: acme-explodes }
  - { id: mean-high, use: acme-max-mean, with: { field: latency_ms } }
`,
    });
    linkCore(dir);
    const r = vigia(['run', 'vigia.yaml', '--format', 'json'], { cwd: dir });
    expect(r.stderr).not.toMatch(STACK);
    const report = JSON.parse(r.stdout);
    expect(report.detectors.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([['mean-ok', 'pass'], ['broken', 'error'], ['mean-high', 'fail']]);
    expect(report.detectors[1].message).toContain('acme backend unavailable');
    expect(report.detectors[0].statistic).toBe(130);
    expect(r.code).toBe(3);
  });

  it('loads a plugin by relative path, and its components appear in vigia plugins --config', () => {
    const dir = tempProject({
      'plugins/acme/package.json': pluginPackage['node_modules/vigia-plugin-acme/package.json'],
      'plugins/acme/index.js': pluginPackage['node_modules/vigia-plugin-acme/index.js'],
      'current.jsonl': pluginPackage['current.jsonl'],
      'vigia.yaml': `version: 1\nplugins: [./plugins/acme]\ndata:\n  current: { use: jsonl, with: { path: current.jsonl } }\ndetectors:\n  - { use: acme-max-mean, with: { field: latency_ms, limit: 200 } }\n`,
    });
    linkCore(dir);
    expect(vigia(['run', 'vigia.yaml'], { cwd: dir }).code).toBe(0);
    const listed = vigia(['plugins', '--config', 'vigia.yaml'], { cwd: dir });
    expect(listed.stdout).toContain('acme-max-mean');
  });

  it('does not load plugins the config does not name', () => {
    const dir = tempProject({ ...pluginPackage, 'vigia.yaml': `version: 1\ndata:\n  current: { use: jsonl, with: { path: current.jsonl } }\ndetectors:\n  - { use: acme-max-mean, with: { field: latency_ms } }\n` });
    linkCore(dir);
    const r = vigia(['run', 'vigia.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no detector "acme-max-mean"');
  });

  it('explains a plugin that is not installed and one built for another API version', () => {
    const missing = tempProject({ 'vigia.yaml': 'version: 1\nplugins: [vigia-plugin-nowhere]\n' });
    const r1 = vigia(['validate', 'vigia.yaml'], { cwd: missing });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/vigia\.yaml:2: \/plugins\/0: plugin package "vigia-plugin-nowhere" is not installed/);

    const future = tempProject({
      'old.js': "export default { name: 'vigia-plugin-future', apiVersion: 99, detectors: {} };\n",
      'vigia.yaml': 'version: 1\nplugins: [./old.js]\n',
    });
    const r2 = vigia(['validate', 'vigia.yaml'], { cwd: future });
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('targets core API version 99, but this Vigia provides version 2');
    expect(r2.stderr).not.toMatch(STACK);
  });
});
