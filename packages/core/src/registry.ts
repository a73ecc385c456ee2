import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  COMPONENT_KINDS, CORE_API_VERSION, SUPPORTED_API_VERSIONS, type ComponentKind, type ErasedDef, type FieldProviderDef, type VigiaPlugin,
} from './contracts.js';
import { ConfigError, clipText, didYouMean, errorMessage } from './errors.js';
import { normalizeOptionsSchema, trustSchema } from './options.js';
import { checkCoreRange, readPluginManifest } from './compat.js';

const pluralOf: Record<ComponentKind, keyof VigiaPlugin & `${string}s`> = {
  detector: 'detectors', metric: 'metrics', sink: 'sinks', source: 'sources', embedder: 'embedders', provider: 'providers',
};

/** A virtual-field provider and the field prefix it owns. */
export interface RegisteredFieldProvider {
  prefix: string;
  def: FieldProviderDef;
  plugin: string;
}

export interface RegisteredComponent {
  kind: ComponentKind;
  name: string;
  def: ErasedDef;
  /** Plugin that provides it. */
  plugin: string;
  builtin: boolean;
  /**
   * File URL of the module whose default export is the plugin, when known: lets the run re-import
   * the component in a worker thread (`isolation: worker`).
   */
  module?: string;
}

/**
 * Components by kind and short name. Built-in plugins are registered up front; external ones only
 * when a config names them in `plugins:`.
 */
export class Registry {
  readonly #components = new Map<ComponentKind, Map<string, RegisteredComponent>>(COMPONENT_KINDS.map((k) => [k, new Map()]));
  readonly #plugins = new Map<string, { plugin: VigiaPlugin; builtin: boolean; origin: string; module?: string }>();
  readonly #fields = new Map<string, RegisteredFieldProvider>();

  constructor(builtins: readonly VigiaPlugin[] = []) {
    for (const plugin of builtins) this.register(plugin, { builtin: true, origin: plugin.name });
  }

  /** Add a plugin's components. Throws when the plugin is malformed, targets another API version or clashes by name. */
  register(plugin: unknown, options: { builtin?: boolean; origin: string; module?: string }): VigiaPlugin {
    const p = checkPlugin(plugin, options.origin);
    const same = this.#plugins.get(p.name);
    if (same) {
      if (same.plugin === p || !same.builtin || options.builtin) return same.plugin;
      throw new ConfigError('VIGIA_PLUGIN_INVALID', `${options.origin} is named "${p.name}", which is a built-in plugin; a plugin cannot replace a built-in one (give it another name, e.g. vigia-plugin-…)`);
    }
    for (const kind of COMPONENT_KINDS) {
      const defs = p[pluralOf[kind]] as Record<string, ErasedDef> | undefined;
      for (const [name, def] of Object.entries(defs ?? {})) {
        checkDef(def, kind, name, p.name);
        // Built-in schemas are checked against the meta-schema by the test suite, not at each start.
        if (options.builtin && def.options && typeof def.options === 'object') trustSchema(def.options);
        const existing = this.#components.get(kind)!.get(name);
        if (existing) {
          if (existing.builtin && !options.builtin) {
            throw new ConfigError('VIGIA_PLUGIN_INVALID', `plugin "${p.name}" (${options.origin}) defines ${kind} "${name}", which is a built-in ${kind} (from ${existing.plugin}); a plugin cannot register over a built-in name, so rename the component (e.g. "${p.name.replace(/^(@[^/]+\/)?vigia-plugin-/, '')}-${name}")`);
          }
          throw new ConfigError('VIGIA_PLUGIN_INVALID', `plugin "${p.name}" (${options.origin}) defines ${kind} "${name}", which plugin "${existing.plugin}" already provides; rename the component in one of them`);
        }
        this.#components.get(kind)!.set(name, { kind, name, def, plugin: p.name, builtin: options.builtin ?? false, ...(options.module ? { module: options.module } : {}) });
      }
    }
    for (const [prefix, def] of Object.entries(p.fields ?? {})) {
      if (!def || def.kind !== 'fields' || typeof def.create !== 'function' || typeof def.check !== 'function') {
        throw new ConfigError('VIGIA_PLUGIN_INVALID', `plugin "${p.name}": field provider "${prefix}" is not built with defineFieldProvider (needs check() and create())`);
      }
      const existing = this.#fields.get(prefix);
      if (existing) throw new ConfigError('VIGIA_PLUGIN_INVALID', `plugin "${p.name}" (${options.origin}) defines field prefix "${prefix}", which plugin "${existing.plugin}" already provides`);
      this.#fields.set(prefix, { prefix, def, plugin: p.name });
    }
    this.#plugins.set(p.name, { plugin: p, builtin: options.builtin ?? false, origin: options.origin, ...(options.module ? { module: options.module } : {}) });
    return p;
  }

  /** Virtual-field providers by prefix (`descriptors` → the text descriptors). */
  fieldProviders(): RegisteredFieldProvider[] {
    return [...this.#fields.values()];
  }

  /**
   * Tell the registry which module file each plugin comes from (`locate(pluginName)` → file URL or
   * path), so its components can run in a worker thread. The CLI does this for the built-ins.
   */
  locateModules(locate: (pluginName: string) => string | undefined): this {
    for (const [name, entry] of this.#plugins) {
      if (entry.module) continue;
      let module: string | undefined;
      try {
        module = locate(name);
      } catch {
        module = undefined;
      }
      if (!module) continue;
      entry.module = module;
      for (const byName of this.#components.values()) for (const c of byName.values()) if (c.plugin === name) c.module = module;
    }
    return this;
  }

  get(kind: ComponentKind, name: string): RegisteredComponent | undefined {
    return this.#components.get(kind)!.get(name);
  }

  /** Look a component up, or throw VIGIA_UNKNOWN_COMPONENT with a suggestion and the installed names. */
  require(kind: ComponentKind, name: string, where = ''): RegisteredComponent {
    const found = this.get(kind, name);
    if (found) return found;
    const names = [...this.#components.get(kind)!.keys()].sort();
    const suggestion = name.length <= 200 ? didYouMean(name, names) : undefined;
    const otherKind = COMPONENT_KINDS.find((k) => k !== kind && this.get(k, name));
    const hint = suggestion ? `; did you mean "${suggestion}"?` : otherKind ? `; "${name}" is a ${otherKind}, not a ${kind}` : '';
    const installed = names.length ? `Installed ${pluralOf[kind]}: ${names.join(', ')}` : `No ${pluralOf[kind]} are installed`;
    throw new ConfigError('VIGIA_UNKNOWN_COMPONENT', `${where ? `${where}: ` : ''}no ${kind} "${clipText(name, 80)}"${hint}. ${installed}. External plugins go in the config's \`plugins:\` list.`);
  }

  list(kind?: ComponentKind): RegisteredComponent[] {
    const kinds = kind ? [kind] : COMPONENT_KINDS;
    return kinds.flatMap((k) => [...this.#components.get(k)!.values()].sort((a, b) => a.name.localeCompare(b.name)));
  }

  plugins(): Array<{ name: string; builtin: boolean; origin: string }> {
    return [...this.#plugins.entries()].map(([name, p]) => ({ name, builtin: p.builtin, origin: p.origin }));
  }

  /**
   * The JSON Schema of a config composed from the core schema and every registered component's
   * options schema, so editors can autocomplete `use:` and `with:`.
   */
  composeSchema(coreSchema: Record<string, unknown>): Record<string, unknown> {
    const schema = structuredClone(coreSchema) as { properties: Record<string, Record<string, unknown>>; [k: string]: unknown };
    const branch = (kind: ComponentKind) => {
      const comps = this.list(kind);
      return {
        use: { type: 'string', enum: comps.map((c) => c.name), description: `A ${kind}: ${comps.map((c) => c.name).join(', ')}` },
        allOf: comps.map((c) => ({
          if: { properties: { use: { const: c.name } }, required: ['use'] },
          then: { properties: { with: { ...normalizeOptionsSchema(c.def.options), description: c.def.description } } },
        })),
      };
    };
    const patchItems = (target: Record<string, unknown>, kind: ComponentKind) => {
      const b = branch(kind);
      const props = (target.properties ?? {}) as Record<string, unknown>;
      target.properties = { ...props, use: b.use };
      target.allOf = b.allOf;
    };
    const p = schema.properties;
    for (const [key, kind] of [['detectors', 'detector'], ['metrics', 'metric'], ['sinks', 'sink']] as const) {
      const items = structuredClone(p[key]!.items) as Record<string, unknown>;
      patchItems(items, kind);
      p[key] = { ...p[key], items };
    }
    for (const [key, kind] of [['data', 'source'], ['embedders', 'embedder'], ['providers', 'provider']] as const) {
      const item = structuredClone(p[key]!.additionalProperties) as Record<string, unknown>;
      patchItems(item, kind);
      p[key] = { ...p[key], additionalProperties: item };
    }
    for (const f of this.fieldProviders()) {
      if (p[f.prefix]) p[f.prefix] = { ...normalizeOptionsSchema(f.def.options), description: p[f.prefix]!.description };
    }
    schema.$schema = 'http://json-schema.org/draft-07/schema#';
    return schema;
  }
}

function checkPlugin(value: unknown, origin: string): VigiaPlugin {
  const v = (value && typeof value === 'object' && 'default' in value && !('name' in value) ? (value as { default: unknown }).default : value) as Partial<VigiaPlugin> | undefined;
  if (!v || typeof v !== 'object' || typeof v.name !== 'string' || typeof v.apiVersion !== 'number') {
    throw new ConfigError('VIGIA_PLUGIN_INVALID', `${origin} is not a Vigia plugin: its default export must be an object from definePlugin({ name, apiVersion, detectors, … }) in @vigia/core`);
  }
  if (!SUPPORTED_API_VERSIONS.includes(v.apiVersion)) {
    throw new ConfigError('VIGIA_PLUGIN_API_VERSION', `plugin "${v.name}" (${origin}) targets core API version ${v.apiVersion}, but this Vigia provides version ${CORE_API_VERSION} (and loads plugins built for ${SUPPORTED_API_VERSIONS.join(' or ')}); install a release of the plugin built for API ${CORE_API_VERSION}${v.apiVersion > CORE_API_VERSION ? ' or upgrade Vigia' : ''}`);
  }
  return v as VigiaPlugin;
}

function checkDef(def: ErasedDef, kind: ComponentKind, name: string, plugin: string): void {
  const problems: string[] = [];
  if (!def || typeof def !== 'object') problems.push('is not an object');
  else {
    if (def.kind !== kind) problems.push(`has kind "${String(def.kind)}" but is listed under ${pluralOf[kind]} (build it with define${kind[0]!.toUpperCase()}${kind.slice(1)})`);
    if (typeof def.create !== 'function') problems.push('has no create() function');
    if (!def.options || typeof def.options !== 'object') problems.push('has no options JSON Schema');
    if (typeof def.description !== 'string' || def.description.length === 0) problems.push('has no description');
  }
  if (problems.length) throw new ConfigError('VIGIA_PLUGIN_INVALID', `plugin "${plugin}": ${kind} "${name}" ${problems.join('; ')}`);
}

/**
 * Import an external plugin named in a config: a path (relative to the config file) or an npm
 * package name resolved from the config's directory (then from the CLI's own install).
 */
export async function importPlugin(spec: string, configDir: string, where: string): Promise<{ module: unknown; origin: string; url: string }> {
  const isPath = spec.startsWith('.') || isAbsolute(spec);
  let target: string;
  try {
    target = isPath ? resolvePathPlugin(resolve(configDir, spec), spec) : resolvePackage(spec, configDir);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.code as 'VIGIA_PLUGIN_LOAD', `${where}: ${error.message}`);
    throw error;
  }
  try {
    const url = pathToFileURL(target).href;
    return { module: await import(url), origin: isPath ? spec : `${spec} (${target})`, url };
  } catch (error) {
    throw new ConfigError('VIGIA_PLUGIN_LOAD', `${where}: plugin "${spec}" failed to load from ${target}: ${errorMessage(error)}`, { cause: error });
  }
}

function resolvePathPlugin(abs: string, spec: string): string {
  if (!existsSync(abs)) throw new ConfigError('VIGIA_PLUGIN_LOAD', `plugin path "${spec}" does not exist (looked for ${abs}); paths in plugins: are relative to the config file`);
  if (statSync(abs).isDirectory()) return entryOfPackageDir(abs, spec);
  return abs;
}

function entryOfPackageDir(dir: string, spec: string): string {
  const pj = join(dir, 'package.json');
  // The manifest's @vigia/core range is checked before any of the plugin's code is imported.
  const manifest = readPluginManifest(dir);
  if (manifest) checkCoreRange(manifest);
  if (existsSync(pj)) {
    const pkg = JSON.parse(readFileSync(pj, 'utf8')) as { main?: string; exports?: unknown };
    const entry = exportEntry(pkg.exports) ?? pkg.main ?? 'index.js';
    const file = resolve(dir, entry);
    if (existsSync(file)) return file;
    throw new ConfigError('VIGIA_PLUGIN_LOAD', `plugin "${spec}": its package.json points to ${entry}, which does not exist (is the package built?)`);
  }
  for (const f of ['index.js', 'index.mjs']) if (existsSync(join(dir, f))) return join(dir, f);
  throw new ConfigError('VIGIA_PLUGIN_LOAD', `plugin "${spec}" is a directory without package.json or index.js`);
}

function exportEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (!exports || typeof exports !== 'object') return undefined;
  const e = exports as Record<string, unknown>;
  const root = '.' in e ? e['.'] : e;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') {
    const r = root as Record<string, unknown>;
    for (const cond of ['import', 'node', 'default']) {
      const v = r[cond];
      if (typeof v === 'string') return v;
      if (v && typeof v === 'object') {
        const nested = exportEntry({ '.': v });
        if (nested) return nested;
      }
    }
  }
  return undefined;
}

function resolvePackage(name: string, configDir: string): string {
  const bases = [join(configDir, 'noop.js'), join(process.cwd(), 'noop.js'), import.meta.url];
  for (const base of bases) {
    // Find the package directory by walking node_modules upwards, then read its exports.
    let dir = dirname(base.startsWith('file:') ? new URL(base).pathname : base);
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return entryOfPackageDir(candidate, name);
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    try {
      return createRequire(base).resolve(name);
    } catch {
      // try the next base
    }
  }
  const hint = /^(@[^/]+\/)?vigia-plugin-/.test(name) ? '' : ' (plugin packages are usually named vigia-plugin-* or @scope/vigia-plugin-*)';
  throw new ConfigError('VIGIA_PLUGIN_LOAD', `plugin package "${name}" is not installed${hint}; install it next to the config (npm install ${name}) or give a relative path`);
}
