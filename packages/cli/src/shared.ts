import { Registry, cachedPrecompiledValidators, clipText, isVigiaError, usePrecompiledValidators, type PrecompiledValidators, type VigiaConfig, type VigiaPlugin } from '@vigia/core';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Io } from './main.js';

/** Component kinds (plural, as in a plugin object) and virtual-field prefixes a built-in provides. */
type Provides = Partial<Record<'sources' | 'sinks' | 'detectors' | 'metrics' | 'embedders' | 'providers' | 'fields', readonly string[]>>;

interface BuiltinPlugin {
  name: string;
  load: () => Promise<{ default: unknown }>;
  /** Its options validators, precompiled by `pnpm gen:precompiled` (precompiled.test.ts checks every entry has them). */
  validators?: () => Promise<{ default: PrecompiledValidators }>;
  provides?: Provides;
}

/**
 * The built-in plugin packages, in registration order, each with what it provides, so a run loads
 * only the packages its config names (importing all of them and their dependencies is most of a
 * small run's start-up). `provides` must list exactly what the plugin registers (shared.test.ts
 * checks it against the loaded plugins); an entry without it is always loaded.
 */
export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = [
  { name: '@vigia/plugin-sources', load: () => import('@vigia/plugin-sources'), validators: () => import('./generated/validators/plugin-sources.js'), provides: { sources: ['jsonl', 'csv', 'parquet'] } },
  { name: '@vigia/plugin-sinks', load: () => import('@vigia/plugin-sinks'), validators: () => import('./generated/validators/plugin-sinks.js'), provides: { sinks: ['console', 'json', 'junit'] } },
  { name: '@vigia/plugin-drift', load: () => import('@vigia/plugin-drift'), validators: () => import('./generated/validators/plugin-drift.js'), provides: { detectors: ['embedding-drift', 'intent-mix', 'layer-drift', 'feature-drift'] } },
  { name: '@vigia/plugin-embedders', load: () => import('@vigia/plugin-embedders'), validators: () => import('./generated/validators/plugin-embedders.js'), provides: { embedders: ['transformers', 'word-vectors', 'hashing'] } },
  { name: '@vigia/plugin-anomaly', load: () => import('@vigia/plugin-anomaly'), validators: () => import('./generated/validators/plugin-anomaly.js'), provides: { detectors: ['anomaly'] } },
  { name: '@vigia/plugin-llm-metrics', load: () => import('@vigia/plugin-llm-metrics'), validators: () => import('./generated/validators/plugin-llm-metrics.js'), provides: { metrics: ['latency', 'throughput', 'tokens', 'token-quality', 'errors', 'resources'] } },
  { name: '@vigia/plugin-bias', load: () => import('@vigia/plugin-bias'), validators: () => import('./generated/validators/plugin-bias.js'), provides: { sources: ['bbq', 'counterfactual-templates', 'crows-pairs'], detectors: ['bbq-bias', 'counterfactual-bias', 'group-parity'] } },
  { name: '@vigia/plugin-nondeterminism', load: () => import('@vigia/plugin-nondeterminism'), validators: () => import('./generated/validators/plugin-nondeterminism.js'), provides: { detectors: ['nondeterminism'] } },
  { name: '@vigia/plugin-providers', load: () => import('@vigia/plugin-providers'), validators: () => import('./generated/validators/plugin-providers.js'), provides: { sources: ['samples'], providers: ['openai-compatible'] } },
  { name: '@vigia/plugin-descriptors', load: () => import('@vigia/plugin-descriptors'), validators: () => import('./generated/validators/plugin-descriptors.js'), provides: { metrics: ['field-stats'], fields: ['descriptors'] } },
  { name: '@vigia/plugin-exporters', load: () => import('@vigia/plugin-exporters'), validators: () => import('./generated/validators/plugin-exporters.js'), provides: { sources: ['otlp-json'], sinks: ['prometheus', 'html', 'otlp', 'dogstatsd', 'webhook'] } },
  { name: '@vigia/monitor', load: () => import('@vigia/monitor'), validators: () => import('./generated/validators/monitor.js'), provides: { sources: ['http'] } },
];

/** The embedder a component gets when the config has no `embedders:` (the engine's fallback). */
const FALLBACK_EMBEDDER_PLUGIN = '@vigia/plugin-embedders';

/** Every built-in plugin family (for `vigia plugins`, `schema`, …, and configs a subset cannot serve). */
export async function builtinRegistry(): Promise<Registry> {
  return registryOf(BUILTIN_PLUGINS);
}

/**
 * The built-in plugins this config names: the packages providing its sources, embedders,
 * providers, detectors, metrics and sinks, a virtual-field provider when an option names one of
 * its fields (`descriptors.…`), and the fallback embedder's. Falls back to every built-in when the
 * config loads external plugins or names a component no built-in provides, so errors (unknown
 * names with their suggestions, clashes with built-in names) are exactly those of the full registry.
 */
export async function builtinRegistryFor(config: VigiaConfig): Promise<Registry> {
  if (config.plugins.length > 0) return builtinRegistry();
  const wanted: [keyof Provides, string][] = [
    ...Object.values(config.data).map((s) => ['sources', s.use] as [keyof Provides, string]),
    ...Object.values(config.embedders).map((s) => ['embedders', s.use] as [keyof Provides, string]),
    ...Object.values(config.providers).map((s) => ['providers', s.use] as [keyof Provides, string]),
    ...config.detectors.map((s) => ['detectors', s.use] as [keyof Provides, string]),
    ...config.metrics.map((s) => ['metrics', s.use] as [keyof Provides, string]),
    ...config.sinks.map((s) => ['sinks', s.use] as [keyof Provides, string]),
  ];
  const chosen = new Set<string>([FALLBACK_EMBEDDER_PLUGIN]);
  for (const entry of BUILTIN_PLUGINS) if (!entry.provides) chosen.add(entry.name);
  for (const [kind, use] of wanted) {
    const entry = BUILTIN_PLUGINS.find((p) => p.provides?.[kind]?.includes(use));
    if (!entry) return builtinRegistry();
    chosen.add(entry.name);
  }
  // Virtual fields: any string in the config starting with a provider's prefix and a dot, or a
  // top-level section named after it (its options).
  const text = JSON.stringify(config);
  for (const entry of BUILTIN_PLUGINS) {
    for (const prefix of entry.provides?.fields ?? []) {
      if (text.includes(`"${prefix}.`) || prefix in config) chosen.add(entry.name);
    }
  }
  return registryOf(BUILTIN_PLUGINS.filter((p) => chosen.has(p.name)));
}

async function registryOf(entries: readonly BuiltinPlugin[]): Promise<Registry> {
  // Each package's options validators come precompiled (generated/validators/), so planning
  // neither loads ajv nor compiles a schema; from their code-cached CommonJS copies in
  // dist/precompiled/ when `pnpm build` wrote them (no parsing or compiling at start-up).
  const [modules, validators] = await Promise.all([Promise.all(entries.map((e) => e.load())), Promise.all(entries.map((e) => validatorsOf(e)))]);
  for (const v of validators) if (v) usePrecompiledValidators(v);
  // Where each built-in comes from, so components marked `isolation: worker` can be re-imported in a worker thread.
  return new Registry(modules.map((m) => m.default as VigiaPlugin)).locateModules((name) => pathToFileURL(requireFromCli.resolve(name)).href);
}

const requireFromCli = createRequire(import.meta.url);

async function validatorsOf(entry: BuiltinPlugin): Promise<PrecompiledValidators | undefined> {
  if (!entry.validators) return undefined;
  const copy = fileURLToPath(new URL(`./precompiled/${entry.name.replace(/^@vigia\//, '')}.cjs`, import.meta.url));
  return cachedPrecompiledValidators<PrecompiledValidators>(copy) ?? (await entry.validators()).default;
}

/** Print an error the way users should see it: one message, no stack (unless --debug). Returns the exit code. */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  if (isVigiaError(error)) {
    io.stderr(`vigia: ${error.code}: ${clipLines(error.message)}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`vigia: error: ${clipLines(message)}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 3;
}

/** No line of an error message longer than a screenful: echoed input (a 100 KB name) is cut. */
function clipLines(message: string): string {
  return message.split('\n').map((line) => clipText(line, 1000)).join('\n');
}
