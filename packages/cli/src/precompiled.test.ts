import { coreConfigSchema, getAjv, parseConfigText, precompiledValidator, usePrecompiledValidators, type VigiaPlugin } from '@vigia/core';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { optionSchemasOf, renderGeneratedModules, validatorModuleName } from './precompiled.js';
import { BUILTIN_PLUGINS } from './shared.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const plugins = async () => Promise.all(BUILTIN_PLUGINS.map(async (p) => (await p.load()).default as VigiaPlugin));

describe('precompiled validators and help texts', () => {
  it('the committed modules are what `pnpm gen:precompiled` writes (regenerate after changing a schema or a command)', async () => {
    const modules = await renderGeneratedModules(await plugins());
    expect(modules.length).toBe(BUILTIN_PLUGINS.length + 2);
    for (const { path, text } of modules) {
      let committed = '';
      try {
        committed = readFileSync(root + path, 'utf8');
      } catch {
        // missing: fails below
      }
      expect(committed === text, `${path} is stale or missing: run pnpm gen:precompiled`).toBe(true);
    }
  });

  it('every built-in schema has one, and it validates exactly as ajv compiling the schema does', async () => {
    parseConfigText('version: 1\n', { file: '/tmp/x/vigia.yaml' }); // registers the core config's validator
    const all = await plugins();
    for (const entry of BUILTIN_PLUGINS) {
      expect(entry.validators, `${entry.name}: add validators: () => import('./generated/validators/${validatorModuleName(entry.name)}.js') to its BUILTIN_PLUGINS entry`).toBeDefined();
      usePrecompiledValidators((await entry.validators!()).default);
    }
    const cases: { what: string; schema: object; inputs: unknown[] }[] = [];
    const samples = [undefined, null, 'x', '', 1.5, -1, 0, 3, 1e9, true, [], ['a', 1], {}, { a: 1 }];
    const mutations = (valid: Record<string, unknown>, schema: { properties?: Record<string, unknown> }) => {
      const out: unknown[] = [valid, {}, { ...valid, notAnOption: 1 }, 'text', []];
      for (const key of Object.keys(schema.properties ?? {})) {
        for (const value of samples) out.push({ ...valid, [key]: value });
      }
      return out;
    };
    for (const p of all) {
      for (const group of [p.sources, p.sinks, p.detectors, p.metrics, p.embedders, p.providers, p.fields]) {
        for (const [name, def] of Object.entries((group ?? {}) as Record<string, { options?: object; example?: Record<string, unknown> }>)) {
          if (!def.options) continue;
          const [schema] = optionSchemasOf({ name: p.name, detectors: { [name]: def } } as unknown as VigiaPlugin);
          cases.push({ what: `${p.name} ${name}`, schema: schema!, inputs: mutations(def.example ?? {}, schema as never) });
        }
      }
    }
    // The shipped configs as the core sees them (defaults filled in), and their mutations.
    const configs = readdirSync(root + 'configs').filter((f) => f.endsWith('.yaml'))
      .map((f) => parseConfigText(readFileSync(root + 'configs/' + f, 'utf8'), { file: root + 'configs/' + f, env: {} }).config as unknown as Record<string, unknown>);
    expect(configs.length).toBeGreaterThan(3);
    cases.push({ what: 'core config', schema: coreConfigSchema, inputs: configs.flatMap((c) => mutations(c, coreConfigSchema as never)) });

    const ajv = getAjv();
    let compared = 0;
    for (const { what, schema, inputs } of cases) {
      const pre = precompiledValidator(schema);
      expect(pre, `${what}: no precompiled validator`).toBeDefined();
      const compiled = ajv.compile(structuredClone(schema));
      for (const input of inputs) {
        const a = structuredClone(input), b = structuredClone(input);
        const okA = pre!(a), okB = compiled(b);
        const errors = (v: typeof compiled) => JSON.stringify(v.errors ?? null);
        expect({ ok: okA, data: a, errors: errors(pre!) }, `${what} on ${JSON.stringify(input)}`).toEqual({ ok: okB, data: b, errors: errors(compiled) });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });
});
