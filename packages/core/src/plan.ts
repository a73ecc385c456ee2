import type { ComponentKind, FieldProviderDef } from './contracts.js';
import { loadConfigFile, type ComponentSpec, type LoadedConfig, type VigiaConfig } from './config.js';
import { ConfigError, clipText, errorMessage, isVigiaError, redactError } from './errors.js';
import { validateOptions } from './options.js';
import { importPlugin, Registry, type RegisteredComponent } from './registry.js';
import { SEGMENT_DEFAULT_MIN_SIZE, type SegmentSpec } from './segments.js';
import { historyRangeMs, type PlannedHistory } from './history.js';

/** A component resolved from the config, with validated and defaulted options. */
export interface PlannedComponent {
  /** Id in the config: detector/metric id, dataset/embedder/provider name, or `sink-N`. */
  id: string;
  kind: ComponentKind;
  use: string;
  options: Record<string, unknown>;
  component: RegisteredComponent;
  /** JSON path in the config (`/detectors/1`). */
  path: string;
}

/** A virtual-field provider the config uses, with its validated options. */
export interface PlannedFieldProvider {
  prefix: string;
  def: FieldProviderDef;
  plugin: string;
  options: Record<string, unknown>;
}

/** A validated config, ready to run: every component found and its options checked. */
export interface Plan {
  loaded: LoadedConfig;
  config: VigiaConfig;
  registry: Registry;
  datasets: PlannedComponent[];
  /** Rolling references from the history store (`data.<name>: { fromHistory }`). */
  history: PlannedHistory[];
  embedders: PlannedComponent[];
  providers: PlannedComponent[];
  detectors: Array<PlannedComponent & { reference: string; current: string; timeoutMs: number; severity: 'fail' | 'warn'; isolation: 'worker' | 'inline'; segments?: SegmentSpec; virtualFields: string[] }>;
  metrics: Array<PlannedComponent & { dataset: string; timeoutMs: number; isolation: 'worker' | 'inline'; segments?: SegmentSpec; virtualFields: string[] }>;
  sinks: Array<PlannedComponent & { required: boolean }>;
  /** Virtual-field providers referenced by some detector or metric (computed after the datasets are read). */
  fieldProviders: PlannedFieldProvider[];
}

/** Load a config file, load the plugins it names, and check every component and option. */
export async function planFromFile(path: string, registry: Registry, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Plan> {
  return planFromLoaded(loadConfigFile(path, options), registry);
}

export async function planFromLoaded(loaded: LoadedConfig, registry: Registry): Promise<Plan> {
  try {
    return await buildPlan(loaded, registry);
  } catch (error) {
    // Messages may echo interpolated values: no secret leaves through them.
    throw redactError(error, loaded.secrets);
  }
}

async function buildPlan(loaded: LoadedConfig, registry: Registry): Promise<Plan> {
  const { config, displayPath } = loaded;
  const at = (path: string) => {
    const line = loaded.lineOf(path);
    return line ? `${displayPath}:${line}` : displayPath;
  };
  for (const [i, spec] of config.plugins.entries()) {
    const where = `${at(`/plugins/${i}`)}: /plugins/${i}`;
    const { module, origin, url } = await importPlugin(spec, loaded.dir, where);
    try {
      registry.register(module, { origin, module: url });
    } catch (error) {
      if (isVigiaError(error)) throw new ConfigError(error.code as 'VIGIA_PLUGIN_INVALID', `${where}: ${error.message}`);
      throw error;
    }
  }

  const problems: string[] = [];
  const plan = (kind: ComponentKind, id: string, spec: ComponentSpec, path: string): PlannedComponent | undefined => {
    try {
      const component = registry.require(kind, spec.use, `${at(`${path}/use`)}: ${path}/use`);
      const opts = validateOptions(component.def, spec.with ?? {}, { path: `${path}/with` });
      // Checks across options, before any data is read: the same errors from validate and run.
      let found: string | readonly string[] | undefined | void;
      try {
        found = component.def.check?.(structuredClone(opts) as never);
      } catch (error) {
        found = `the option check of ${kind} "${spec.use}" failed: ${errorMessage(error)}`;
      }
      const list = found === undefined ? [] : typeof found === 'string' ? [found] : [...found];
      for (const problem of list) {
        const text = clipText(String(problem), 500);
        const rel = /^\/[^\s]*/.exec(text)?.[0];
        const full = rel ? `${path}/with${rel}` : `${path}/with`;
        problems.push(`${at(full)}: ${rel ? `${full}${text.slice(rel.length)}` : `${full}: ${text}`}`);
      }
      if (list.length) return undefined;
      return { id, kind, use: spec.use, options: opts, component, path };
    } catch (error) {
      if (!isVigiaError(error)) throw error;
      // Option errors come back as "/path must …" lines; prefix each with file:line.
      const lines = error.message.replace(/^invalid options:\n {2}/, '').split('\n  ');
      for (const line of lines) problems.push(line.startsWith(`${path}/`) ? `${at(line.split(' ')[0]!)}: ${line}` : line);
      return undefined;
    }
  };

  // Virtual fields (`descriptors.response.refusal`): every option string naming a registered prefix.
  const fieldProviders = new Map(registry.fieldProviders().map((f) => [f.prefix, f]));
  const usedProviders = new Map<string, PlannedFieldProvider>();
  const providerOptions = (prefix: string): Record<string, unknown> | undefined => {
    const planned = usedProviders.get(prefix);
    if (planned) return planned.options;
    const f = fieldProviders.get(prefix)!;
    const raw = (config as unknown as Record<string, unknown>)[prefix];
    try {
      const options = validateOptions(f.def as never, (raw ?? {}) as Record<string, unknown>, { path: `/${prefix}` }) as Record<string, unknown>;
      usedProviders.set(prefix, { prefix, def: f.def, plugin: f.plugin, options });
      return options;
    } catch (error) {
      if (!isVigiaError(error)) throw error;
      const lines = error.message.replace(/^invalid options:\n {2}/, '').split('\n  ');
      for (const line of lines) problems.push(`${at(line.split(' ')[0]!)}: ${line}`);
      usedProviders.set(prefix, { prefix, def: f.def, plugin: f.plugin, options: {} });
      return undefined;
    }
  };
  const virtualFields = (options: unknown, by: string | undefined, path: string): string[] => {
    const found = new Set<string>();
    const visit = (v: unknown, p: string) => {
      if (typeof v === 'string') {
        const dot = v.indexOf('.');
        const prefix = dot > 0 ? v.slice(0, dot) : '';
        if (!fieldProviders.has(prefix) || found.has(v)) return;
        const options = providerOptions(prefix);
        if (!options) return;
        const why = fieldProviders.get(prefix)!.def.check(v.slice(dot + 1), options);
        if (why) problems.push(`${at(p)}: ${p} names field "${v}": ${why}`);
        else found.add(v);
      } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${p}/${i}`));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${p}/${k}`);
    };
    visit(options, `${path}/with`);
    if (by !== undefined) visit(by, `${path}/by`);
    return [...found];
  };
  const segmentsOf = (spec: { by?: string; minSegmentSize?: number }): { segments?: SegmentSpec } =>
    (spec.by === undefined ? {} : { segments: { by: spec.by, minSize: spec.minSegmentSize ?? SEGMENT_DEFAULT_MIN_SIZE } });
  config.detectors.forEach((d, i) => {
    if (d.by === undefined && d.minSegmentSize !== undefined) problems.push(`${at(`/detectors/${i}/minSegmentSize`)}: /detectors/${i}/minSegmentSize has no effect without by: <field>; add by: or remove it`);
  });
  config.metrics.forEach((m, i) => {
    if (m.by === undefined && m.minSegmentSize !== undefined) problems.push(`${at(`/metrics/${i}/minSegmentSize`)}: /metrics/${i}/minSegmentSize has no effect without by: <field>; add by: or remove it`);
  });
  if (config.descriptors !== undefined && fieldProviders.has('descriptors')) providerOptions('descriptors');
  if (config.descriptors !== undefined && !fieldProviders.has('descriptors')) {
    problems.push(`${at('/descriptors')}: /descriptors configures the text descriptors, but no plugin providing them is registered (they come with @vigia/plugin-descriptors)`);
  }

  const datasets = Object.entries(config.data).map(([name, spec]) => {
    const p = plan('source', name, spec, `/data/${name}`);
    if (p?.component.def.needs?.includes('provider') && Object.keys(config.providers).length === 0) {
      problems.push(`${at(`/data/${name}`)}: /data/${name} (${spec.use}) calls a model, but the config has no providers:; add one, e.g. providers: { local: { use: openai-compatible, with: { baseUrl: …, model: … } } }`);
    }
    return p;
  });
  const history = Object.entries(config.historyData ?? {}).map(([id, spec]): PlannedHistory => {
    const path = `/data/${id}/fromHistory`;
    const lastMs = historyRangeMs(spec);
    if (lastMs !== undefined && !Number.isFinite(lastMs)) problems.push(`${at(`${path}/last`)}: ${path}/last "${spec.last}" is not a duration of at least 1 ms (e.g. 7d, 24h, 90m)`);
    return { id, spec, ...(lastMs !== undefined ? { lastMs } : {}), path };
  });
  const embedders = Object.entries(config.embedders).map(([name, spec]) => plan('embedder', name, spec, `/embedders/${name}`));
  const providers = Object.entries(config.providers).map(([name, spec]) => plan('provider', name, spec, `/providers/${name}`));
  const detectors = config.detectors.map((d, i) => {
    const p = plan('detector', d.id, d, `/detectors/${i}`);
    if (!p) return undefined;
    const reference = d.reference ?? 'reference';
    for (const need of p.component.def.needs ?? []) {
      if (need === 'reference' && !(reference in config.data) && !(reference in config.historyData)) {
        problems.push(`${at(`/detectors/${i}`)}: /detectors/${i} (${d.use} "${d.id}") compares against a reference dataset, but data has no "${reference}"; add data.${reference} or set reference: <dataset name>`);
      }
      if (need === 'provider' && Object.keys(config.providers).length === 0) {
        problems.push(`${at(`/detectors/${i}`)}: /detectors/${i} (${d.use} "${d.id}") calls a model, but the config has no providers:; add one (see vigia plugins)`);
      }
    }
    // By convention an option named `embedder` names an entry of `embedders:`; check it before any work.
    const embedder = p.options.embedder;
    if (typeof embedder === 'string' && !(embedder in config.embedders)) {
      const have = Object.keys(config.embedders);
      problems.push(`${at(`/detectors/${i}/with/embedder`)}: /detectors/${i}/with/embedder names embedder "${embedder}", but ${have.length ? `embedders: defines ${have.map((n) => `"${n}"`).join(', ')}` : 'the config has no embedders:'}; add embedders.${embedder}: { use: word-vectors } (or hashing, transformers)`);
    }
    return { ...p, reference, current: d.current ?? 'current', timeoutMs: d.timeoutMs ?? config.timeoutMs, severity: d.severity, isolation: isolationOf(p, d.isolation), ...segmentsOf(d), virtualFields: virtualFields(p.options, d.by, `/detectors/${i}`) };
  });
  const metrics = config.metrics.map((m, i) => {
    const p = plan('metric', m.id, m, `/metrics/${i}`);
    return p && { ...p, dataset: m.dataset ?? 'current', timeoutMs: m.timeoutMs ?? config.timeoutMs, isolation: isolationOf(p, m.isolation), ...segmentsOf(m), virtualFields: virtualFields(p.options, m.by, `/metrics/${i}`) };
  });
  const sinks = config.sinks.map((s, i) => {
    const p = plan('sink', `sink-${i}`, s, `/sinks/${i}`);
    return p && { ...p, required: s.required ?? p.component.def.required ?? true };
  });
  if (problems.length) {
    throw new ConfigError(problems.some((p) => p.includes('no ') && p.includes('Installed')) && problems.length === 1 ? 'VIGIA_UNKNOWN_COMPONENT' : 'VIGIA_CONFIG_INVALID', problems.length === 1 ? problems[0]! : `invalid config:\n  ${problems.join('\n  ')}`);
  }
  return {
    loaded,
    config,
    registry,
    datasets: datasets as PlannedComponent[],
    history,
    embedders: embedders as PlannedComponent[],
    providers: providers as PlannedComponent[],
    detectors: detectors as Plan['detectors'],
    metrics: metrics as Plan['metrics'],
    sinks: sinks as Plan['sinks'],
    fieldProviders: [...usedProviders.values()],
  };
}

/**
 * Where a detector or metric runs: the config's `isolation:`, else the definition's, else a worker
 * for external plugins (their code is unknown) and inline for built-ins. Stateful components run
 * inline unless asked otherwise: their work comes in small batches, and their state lives for the
 * session (in a worker they are handed each window whole, and keep nothing between windows).
 */
function isolationOf(p: PlannedComponent, configured: 'worker' | 'inline' | undefined): 'worker' | 'inline' {
  return configured ?? p.component.def.isolation ?? (p.component.builtin || p.component.def.stateful ? 'inline' : 'worker');
}
