import type { ComponentKind } from './contracts.js';
import { loadConfigFile, type ComponentSpec, type LoadedConfig, type VigiaConfig } from './config.js';
import { ConfigError, clipText, errorMessage, isVigiaError, redactError } from './errors.js';
import { validateOptions } from './options.js';
import { importPlugin, Registry, type RegisteredComponent } from './registry.js';

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

/** A validated config, ready to run: every component found and its options checked. */
export interface Plan {
  loaded: LoadedConfig;
  config: VigiaConfig;
  registry: Registry;
  datasets: PlannedComponent[];
  embedders: PlannedComponent[];
  providers: PlannedComponent[];
  detectors: Array<PlannedComponent & { reference: string; current: string; timeoutMs: number; severity: 'fail' | 'warn'; isolation: 'worker' | 'inline' }>;
  metrics: Array<PlannedComponent & { dataset: string; timeoutMs: number; isolation: 'worker' | 'inline' }>;
  sinks: Array<PlannedComponent & { required: boolean }>;
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

  const datasets = Object.entries(config.data).map(([name, spec]) => plan('source', name, spec, `/data/${name}`));
  const embedders = Object.entries(config.embedders).map(([name, spec]) => plan('embedder', name, spec, `/embedders/${name}`));
  const providers = Object.entries(config.providers).map(([name, spec]) => plan('provider', name, spec, `/providers/${name}`));
  const detectors = config.detectors.map((d, i) => {
    const p = plan('detector', d.id, d, `/detectors/${i}`);
    if (!p) return undefined;
    const reference = d.reference ?? 'reference';
    for (const need of p.component.def.needs ?? []) {
      if (need === 'reference' && !(reference in config.data)) {
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
    return { ...p, reference, current: d.current ?? 'current', timeoutMs: d.timeoutMs ?? config.timeoutMs, severity: d.severity, isolation: isolationOf(p, d.isolation) };
  });
  const metrics = config.metrics.map((m, i) => {
    const p = plan('metric', m.id, m, `/metrics/${i}`);
    return p && { ...p, dataset: m.dataset ?? 'current', timeoutMs: m.timeoutMs ?? config.timeoutMs, isolation: isolationOf(p, m.isolation) };
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
    embedders: embedders as PlannedComponent[],
    providers: providers as PlannedComponent[],
    detectors: detectors as Plan['detectors'],
    metrics: metrics as Plan['metrics'],
    sinks: sinks as Plan['sinks'],
  };
}

/**
 * Where a detector or metric runs: the config's `isolation:`, else the definition's, else a worker
 * for external plugins (their code is unknown) and inline for built-ins.
 */
function isolationOf(p: PlannedComponent, configured: 'worker' | 'inline' | undefined): 'worker' | 'inline' {
  return configured ?? p.component.def.isolation ?? (p.component.builtin ? 'inline' : 'worker');
}
