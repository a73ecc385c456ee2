/**
 * `testPlugin`: a conformance suite for a plugin, in the spirit of ESLint's RuleTester. Every
 * component must have a description and an options schema whose options are all documented and
 * whose defaults validate; detectors and metrics must handle an empty dataset, a missing field
 * and a value of the wrong type, either with a result or with a clear error.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMPONENT_KINDS, getAjv, normalizeOptionsSchema, validateOptions, errorMessage,
  type ComponentKind, type Detector, type Embedder, type ErasedDef, type Metric, type Source, type VigiaPlugin, type VigiaRecord,
  readAll,
} from '@vigia/core';
import { createTestContext, runDetector, runInMemory, runMetric, type HarnessOptions } from './harness.js';

/** How to exercise one component. Components without a case get the checks that need no data. */
export interface ComponentCase {
  /** Valid options (required ones at least). Default `{}`. */
  options?: Record<string, unknown>;
  /** Valid records for detectors and metrics (used as reference and current). */
  records?: VigiaRecord[];
  /** Record fields the options point at: removed for the missing-field check, replaced for the wrong-type check. */
  fields?: string[];
  /** The wrong-typed value put in `fields` (default: an object, wrong for numbers and text alike). */
  wrongValue?: unknown;
  /** Harness options (seed, embedder, provider, …). */
  harness?: HarnessOptions;
  /** Checks to skip, with the reason as value, e.g. `{ 'wrong type': 'reads any JSON value' }`. */
  skip?: Partial<Record<CheckName, string>>;
}

export type CheckName = 'description' | 'options documented' | 'defaults validate' | 'valid case' | 'empty dataset' | 'missing field' | 'wrong type' | 'sink receives a run' | 'source missing path' | 'embedder contract';

/** Cases by component name (`use:`). */
export type PluginCases = Record<string, ComponentCase>;

export interface Finding {
  kind: ComponentKind;
  component: string;
  check: CheckName;
  /** Empty when the check passed. */
  problem?: string;
  skipped?: string;
}

/** `describe` and `it` of your test runner (vitest, node:test, jest, mocha). */
export interface TestRunner {
  describe: (name: string, fn: () => void) => unknown;
  it: (name: string, fn: () => Promise<void> | void) => unknown;
}

const plural: Record<ComponentKind, keyof VigiaPlugin> = {
  detector: 'detectors', metric: 'metrics', sink: 'sinks', source: 'sources', embedder: 'embedders', provider: 'providers',
};

/** Messages that come from JavaScript itself rather than from the component: not clear to a user. */
const RAW = /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not defined|undefined is not|null is not|of undefined|of null|Maximum call stack|Invalid array length|Invalid typed array length|\bNaN\b|\[object Object\]|Unexpected token/;

function unclear(message: string, field?: string): string | undefined {
  if (!message || message.trim().length < 12) return `the error message "${message}" is too short to tell the user what to fix`;
  const raw = RAW.exec(message);
  if (raw) return `the error "${message.slice(0, 300)}" is a raw JavaScript error ("${raw[0]}"), not a message that names the problem`;
  if (field !== undefined && !message.includes(field)) return `the error "${message.slice(0, 300)}" does not name the field "${field}"`;
  return undefined;
}

type Check = { name: CheckName; run: () => Promise<string | undefined> };

function componentChecks(kind: ComponentKind, name: string, def: ErasedDef, c: ComponentCase | undefined): Check[] {
  const checks: Check[] = [];
  const options = c?.options ?? {};
  const harness: HarnessOptions = { use: name, ...c?.harness };
  checks.push({
    name: 'description',
    run: async () => (typeof def.description === 'string' && def.description.trim().length >= 10 ? undefined : `${kind} "${name}" needs a description of a sentence or two (shown by vigia plugins and the config reference)`),
  });
  checks.push({
    name: 'options documented',
    run: async () => {
      const schema = normalizeOptionsSchema(def.options) as { type?: unknown; properties?: Record<string, Record<string, unknown>> };
      if (schema.type !== 'object') return `the options schema must have type: 'object' (it has ${JSON.stringify(schema.type)})`;
      const undocumented = Object.entries(schema.properties ?? {}).filter(([, p]) => typeof p?.description !== 'string' || p.description.trim() === '').map(([k]) => k);
      return undocumented.length ? `options without a description: ${undocumented.join(', ')} (add description: '…' to each property)` : undefined;
    },
  });
  checks.push({
    name: 'defaults validate',
    run: async () => {
      const schema = normalizeOptionsSchema(def.options) as { properties?: Record<string, Record<string, unknown>> };
      const bad: string[] = [];
      for (const [key, prop] of Object.entries(schema.properties ?? {})) {
        if (prop.default === undefined) continue;
        const { default: dflt, ...rest } = prop;
        const validate = getAjv().compile({ ...rest });
        if (!validate(structuredClone(dflt))) bad.push(`${key}: default ${JSON.stringify(dflt)} ${validate.errors?.[0]?.message ?? 'is invalid'}`);
      }
      if (bad.length) return `defaults that their own schema rejects: ${bad.join('; ')}`;
      try {
        validateOptions(def, structuredClone(options));
      } catch (error) {
        return `the case's options (with defaults filled in) do not validate: ${errorMessage(error)}${c ? '' : ` (add a case for "${name}" with its required options)`}`;
      }
      return undefined;
    },
  });

  if (kind === 'detector' || kind === 'metric') {
    const records = c?.records;
    const fields = c?.fields ?? [];
    const runOn = async (rows: VigiaRecord[]): Promise<{ ok: true } | { error: string }> => {
      if (kind === 'detector') {
        const r = await runDetector(def as ErasedDef<'detector', Detector>, structuredClone(options), { reference: rows, current: rows }, harness);
        return r.status === 'error' ? { error: r.message } : { ok: true };
      }
      try {
        await runMetric(def as ErasedDef<'metric', Metric>, structuredClone(options), rows, harness);
        return { ok: true };
      } catch (error) {
        return { error: errorMessage(error) };
      }
    };
    if (records) {
      checks.push({
        name: 'valid case',
        run: async () => {
          const r = await runOn(structuredClone(records));
          return 'error' in r ? `the case's valid records give an error: ${r.error.slice(0, 300)}` : undefined;
        },
      });
    }
    checks.push({
      name: 'empty dataset',
      run: async () => {
        const r = await runOn([]);
        return 'error' in r ? unclear(r.error) : undefined;
      },
    });
    if (records && fields.length) {
      checks.push({
        name: 'missing field',
        run: async () => {
          for (const field of fields) {
            const rows = structuredClone(records).map((row) => without(row, field));
            const r = await runOn(rows);
            const problem = 'error' in r ? unclear(r.error, field) : undefined;
            if (problem) return `with "${field}" missing from every record, ${problem}`;
          }
          return undefined;
        },
      });
      checks.push({
        name: 'wrong type',
        run: async () => {
          const wrong = c?.wrongValue ?? { unexpected: 'object' };
          for (const field of fields) {
            const rows = structuredClone(records).map((row) => withValue(row, field, structuredClone(wrong)));
            const r = await runOn(rows);
            const problem = 'error' in r ? unclear(r.error, field) : undefined;
            if (problem) return `with "${field}" set to ${JSON.stringify(wrong)} in every record, ${problem}`;
          }
          return undefined;
        },
      });
    }
  }

  if (kind === 'sink') {
    checks.push({
      name: 'sink receives a run',
      run: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'vigia-testplugin-'));
        try {
          const probe = {
            name: 'vigia-testplugin-probe', apiVersion: 1,
            sinks: { [name]: def as ErasedDef<'sink'> },
          } as unknown as VigiaPlugin;
          const { report } = await runInMemory({ plugins: [probe], data: { current: [] }, sinks: [{ use: name, with: structuredClone(options) }], dir });
          const failed = (report.warnings ?? []).filter((w) => w.includes('sink'));
          return failed.length ? `the sink failed on an empty run: ${failed.join('; ')}` : undefined;
        } catch (error) {
          return `an empty run with this sink failed: ${errorMessage(error)}`;
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    });
  }

  if (kind === 'source') {
    checks.push({
      name: 'source missing path',
      run: async () => {
        const schema = normalizeOptionsSchema(def.options) as { properties?: Record<string, unknown> };
        if (!schema.properties || !('path' in schema.properties)) return undefined;
        const missing = join(tmpdir(), `vigia-testplugin-missing-${process.pid}`, 'nothing-here.data');
        try {
          const valid = validateOptions(def, { ...structuredClone(options), path: missing });
          const ctx = createTestContext(harness);
          const source = (await def.create(valid as never, ctx)) as Source;
          const out = await readAll(source, ctx);
          return `reading a file that does not exist returned ${out.records.length} records instead of an error`;
        } catch (error) {
          const problem = unclear(errorMessage(error));
          if (problem) return problem;
          return errorMessage(error).includes('nothing-here.data') ? undefined : `the error "${errorMessage(error)}" does not name the missing file`;
        }
      },
    });
  }

  if (kind === 'embedder') {
    checks.push({
      name: 'embedder contract',
      run: async () => {
        const valid = validateOptions(def, structuredClone(options));
        const ctx = createTestContext(harness);
        const embedder = (await def.create(valid as never, ctx)) as Embedder;
        try {
          if (typeof embedder.id !== 'string' || !embedder.id) return 'the embedder has no id (used in cache keys)';
          const none = await embedder.embed([]);
          if (!Array.isArray(none) || none.length !== 0) return 'embed([]) must return an empty array';
          const two = await embedder.embed(['the first text', 'a second, different text']);
          if (!Array.isArray(two) || two.length !== 2) return `embed() of 2 texts returned ${Array.isArray(two) ? two.length : typeof two} vectors`;
          if (!(two[0] instanceof Float32Array) || !(two[1] instanceof Float32Array)) return 'embed() must return Float32Array vectors';
          if (two[0].length !== two[1].length) return 'vectors of one embedder must all have the same length';
          if (embedder.dimension !== undefined && embedder.dimension !== two[0].length) return `dimension says ${embedder.dimension} but vectors have ${two[0].length}`;
          if ([...two[0], ...two[1]].some((x) => !Number.isFinite(x))) return 'vectors contain NaN or infinite values';
          return undefined;
        } finally {
          await embedder.dispose?.();
        }
      },
    });
  }
  const skip = c?.skip ?? {};
  return checks.map((check) => (skip[check.name] ? { name: check.name, run: async () => `SKIP:${skip[check.name]}` } : check));
}

function without(row: VigiaRecord, path: string): VigiaRecord {
  const parts = path.split('.');
  let target: Record<string, unknown> | undefined = row;
  for (const p of parts.slice(0, -1)) {
    const next: unknown = target?.[p];
    target = next && typeof next === 'object' ? (next as Record<string, unknown>) : undefined;
  }
  if (target) delete target[parts.at(-1)!];
  return row;
}

function withValue(row: VigiaRecord, path: string, value: unknown): VigiaRecord {
  const parts = path.split('.');
  let target: Record<string, unknown> = row;
  for (const p of parts.slice(0, -1)) {
    if (!target[p] || typeof target[p] !== 'object') target[p] = {};
    target = target[p] as Record<string, unknown>;
  }
  target[parts.at(-1)!] = value;
  return row;
}

function componentsOf(plugin: VigiaPlugin): Array<{ kind: ComponentKind; name: string; def: ErasedDef }> {
  return COMPONENT_KINDS.flatMap((kind) => Object.entries((plugin[plural[kind]] ?? {}) as Record<string, ErasedDef>).map(([name, def]) => ({ kind, name, def })));
}

/** Run every conformance check without a test runner; each finding says whether it passed. */
export async function checkPlugin(plugin: VigiaPlugin, cases: PluginCases = {}): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const unknownCase of Object.keys(cases).filter((n) => !componentsOf(plugin).some((c) => c.name === n))) {
    findings.push({ kind: 'detector', component: unknownCase, check: 'valid case', problem: `a case is given for "${unknownCase}", which ${plugin.name} does not define` });
  }
  for (const { kind, name, def } of componentsOf(plugin)) {
    for (const check of componentChecks(kind, name, def, cases[name])) {
      const problem = await check.run().catch((error: unknown) => `the check itself failed: ${errorMessage(error)}`);
      if (problem?.startsWith('SKIP:')) findings.push({ kind, component: name, check: check.name, skipped: problem.slice(5) });
      else findings.push({ kind, component: name, check: check.name, ...(problem ? { problem } : {}) });
    }
  }
  return findings;
}

/**
 * Register the conformance suite with your test runner: one `describe` per component, one `it` per
 * check. `runner` defaults to the global `describe`/`it` (jest, mocha, vitest with globals); pass
 * `{ describe, it }` from vitest or node:test otherwise.
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import plugin from './index.js';
 * testPlugin(plugin, { 'median-shift': { options: { field: 'x' }, records, fields: ['x'] } }, { describe, it });
 * ```
 */
export function testPlugin(plugin: VigiaPlugin, cases: PluginCases = {}, runner?: TestRunner): void {
  const g = globalThis as unknown as Partial<TestRunner>;
  const describe = runner?.describe ?? g.describe;
  const it = runner?.it ?? g.it;
  if (typeof describe !== 'function' || typeof it !== 'function') {
    throw new Error('testPlugin needs describe() and it() from your test runner: testPlugin(plugin, cases, { describe, it })');
  }
  describe(`${plugin.name} conformance`, () => {
    for (const unknownCase of Object.keys(cases).filter((n) => !componentsOf(plugin).some((c) => c.name === n))) {
      it(`case "${unknownCase}" names a component of the plugin`, () => {
        throw new Error(`a case is given for "${unknownCase}", which ${plugin.name} does not define`);
      });
    }
    for (const { kind, name, def } of componentsOf(plugin)) {
      describe(`${kind} ${name}`, () => {
        for (const check of componentChecks(kind, name, def, cases[name])) {
          it(check.name, async () => {
            const problem = await check.run();
            if (problem?.startsWith('SKIP:')) return;
            if (problem) throw new Error(`${kind} "${name}": ${problem}`);
          });
        }
      });
    }
  });
}
