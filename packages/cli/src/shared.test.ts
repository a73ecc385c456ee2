import { coreConfigSchema, getAjv, normalizeOptionsSchema, parseConfigText, type VigiaPlugin } from '@vigia/core';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PLUGINS, builtinRegistry, builtinRegistryFor } from './shared.js';

const KINDS = ['sources', 'sinks', 'detectors', 'metrics', 'embedders', 'providers', 'fields'] as const;

const config = (text: string) => parseConfigText(text, { file: '/tmp/x/vigia.yaml' }).config;

describe('built-in plugins loaded on demand', () => {
  it('lists exactly what each built-in plugin registers (so a config never misses one)', async () => {
    for (const entry of BUILTIN_PLUGINS) {
      const plugin = (await entry.load()).default as VigiaPlugin;
      expect(plugin.name).toBe(entry.name);
      if (!entry.provides) continue;
      for (const kind of KINDS) {
        const registered = Object.keys((plugin as unknown as Record<string, Record<string, unknown> | undefined>)[kind] ?? {}).sort();
        expect([...(entry.provides[kind] ?? [])].sort(), `${entry.name} ${kind}`).toEqual(registered);
      }
    }
  });

  it('loads only the packages a config names, plus the fallback embedder', async () => {
    const registry = await builtinRegistryFor(config(`version: 1
data:
  current: { use: jsonl, with: { path: c.jsonl } }
  reference: { use: jsonl, with: { path: r.jsonl } }
detectors:
  - { use: feature-drift, with: { field: latency_ms } }
`));
    expect(registry.plugins().map((p) => p.name).sort()).toEqual(['@vigia/plugin-drift', '@vigia/plugin-embedders', '@vigia/plugin-sources']);
    expect(registry.get('detector', 'feature-drift')?.module).toMatch(/^file:/);
  });

  it('adds a virtual-field provider when an option names one of its fields', async () => {
    const registry = await builtinRegistryFor(config(`version: 1
data:
  current: { use: jsonl, with: { path: c.jsonl } }
metrics:
  - { use: latency }
detectors:
  - { use: anomaly, with: { field: descriptors.response.chars } }
`));
    expect(registry.plugins().map((p) => p.name)).toContain('@vigia/plugin-descriptors');
    expect(registry.plugins().map((p) => p.name)).toContain('@vigia/plugin-llm-metrics');
  });

  it('falls back to every built-in for an unknown name (same error, same suggestions)', async () => {
    const all = (await builtinRegistry()).plugins().length;
    const registry = await builtinRegistryFor(config(`version: 1
data:
  current: { use: jsonl, with: { path: c.jsonl } }
detectors:
  - { use: feature-drfit, with: { field: x } }
`));
    expect(registry.plugins()).toHaveLength(all);
    // A source name under detectors is unknown as a detector: the full registry gives the hint.
    const wrongKind = await builtinRegistryFor(config(`version: 1
data:
  current: { use: jsonl, with: { path: c.jsonl } }
detectors:
  - { use: csv }
`));
    expect(wrongKind.plugins()).toHaveLength(all);
  });
});

describe('schemas compiled without the meta-schema check', () => {
  it('the core config schema and every built-in options schema are valid JSON Schema', async () => {
    const ajv = getAjv();
    expect(ajv.validateSchema(coreConfigSchema), JSON.stringify(ajv.errors)).toBe(true);
    const registry = await builtinRegistry();
    for (const c of registry.list()) {
      expect(ajv.validateSchema(normalizeOptionsSchema(c.def.options)), `${c.kind} ${c.name}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });
});
