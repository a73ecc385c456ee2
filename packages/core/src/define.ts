import type {
  DetectorDef, StatefulDetectorDef, StatefulMetricDef, FieldProviderDef, EmbedderDef, MetricDef, OptionsSchema, ProviderDef, SinkDef, SourceDef, VigiaPlugin,
} from './contracts.js';

type Def<K extends string, D> = Omit<D, 'kind'> & { kind?: K };

/**
 * Define a detector. The options' type is derived from `options` (a JSON Schema); write the schema
 * inline so its literal type is kept:
 *
 * ```ts
 * export const lengthDrift = defineDetector({
 *   description: 'Fails when the mean response length moved by more than `maxRatio`.',
 *   options: { type: 'object', properties: { maxRatio: { type: 'number', default: 0.2 } } },
 *   create: ({ maxRatio }) => ({ evaluate: ({ reference, current }) => … }),
 * });
 * ```
 */
export function defineDetector<const S extends OptionsSchema>(def: Def<'detector', DetectorDef<S>>): DetectorDef<S> {
  return { ...def, kind: 'detector' } as DetectorDef<S>;
}

/**
 * Define a stateful detector (API 2): `create` returns `{ update, evaluate, snapshot, restore }`,
 * fed batches as they are read and asked for a decision per window (see StatefulDetector).
 */
export function defineStatefulDetector<const S extends OptionsSchema>(def: Omit<Def<'detector', StatefulDetectorDef<S>>, 'stateful'>): StatefulDetectorDef<S> {
  return { ...def, kind: 'detector', stateful: true } as StatefulDetectorDef<S>;
}

/** Define a stateful metric (API 2): `create` returns `{ update, compute, snapshot, restore }`. */
export function defineStatefulMetric<const S extends OptionsSchema>(def: Omit<Def<'metric', StatefulMetricDef<S>>, 'stateful'>): StatefulMetricDef<S> {
  return { ...def, kind: 'metric', stateful: true } as StatefulMetricDef<S>;
}

export function defineMetric<const S extends OptionsSchema>(def: Def<'metric', MetricDef<S>>): MetricDef<S> {
  return { ...def, kind: 'metric' } as MetricDef<S>;
}

export function defineSink<const S extends OptionsSchema>(def: Def<'sink', SinkDef<S>>): SinkDef<S> {
  return { ...def, kind: 'sink' } as SinkDef<S>;
}

export function defineSource<const S extends OptionsSchema>(def: Def<'source', SourceDef<S>>): SourceDef<S> {
  return { ...def, kind: 'source' } as SourceDef<S>;
}

export function defineEmbedder<const S extends OptionsSchema>(def: Def<'embedder', EmbedderDef<S>>): EmbedderDef<S> {
  return { ...def, kind: 'embedder' } as EmbedderDef<S>;
}

export function defineProvider<const S extends OptionsSchema>(def: Def<'provider', ProviderDef<S>>): ProviderDef<S> {
  return { ...def, kind: 'provider' } as ProviderDef<S>;
}

/** Define a virtual-field provider (listed under a plugin's `fields:`, keyed by its prefix). */
export function defineFieldProvider(def: Omit<FieldProviderDef, 'kind'>): FieldProviderDef {
  return { ...def, kind: 'fields' };
}

const names = new WeakMap<object, string>();

/**
 * The name a component is listed under in its plugin (`use:` in a config), once the plugin was built
 * with {@link definePlugin}. @vigia/testing uses it so a component tested alone is seeded exactly as
 * in a run, where a detector's id defaults to its `use`.
 */
export function componentNameOf(def: object): string | undefined {
  return names.get(def);
}

/** Define a plugin: the default export of a plugin package. */
export function definePlugin<const P extends VigiaPlugin>(plugin: P): P {
  for (const key of ['detectors', 'metrics', 'sinks', 'sources', 'embedders', 'providers'] as const) {
    for (const [name, def] of Object.entries(plugin[key] ?? {})) {
      if (def && typeof def === 'object' && !names.has(def)) names.set(def, name);
    }
  }
  return plugin;
}
