import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ConfigError } from './errors.js';
import { formatAjvErrors, getAjv } from './options.js';

/** A component reference in a config: `{ use: name, with: { …options } }`. */
export interface ComponentSpec {
  use: string;
  with?: Record<string, unknown>;
}

export interface DetectorSpec extends ComponentSpec {
  id: string;
  description?: string;
  /** Dataset compared against (default `reference`). */
  reference?: string;
  /** Dataset under test (default `current`). */
  current?: string;
  timeoutMs?: number;
  severity: 'fail' | 'warn';
  /** Run per segment: one test per distinct value of this field. */
  by?: string;
  minSegmentSize?: number;
}

export interface MetricSpec extends ComponentSpec {
  id: string;
  /** Dataset the metric is computed on (default `current`). */
  dataset?: string;
  timeoutMs?: number;
  /** Compute per segment: values labelled `segment=<value of this field>`. */
  by?: string;
  minSegmentSize?: number;
}

/** A validated config (contract), with defaults filled in. */
export interface VigiaConfig {
  version: 1;
  name: string;
  description?: string;
  seed: number;
  plugins: string[];
  correction: 'none' | 'bonferroni' | 'bh';
  timeoutMs: number;
  cache: string | false;
  data: Record<string, ComponentSpec>;
  embedders: Record<string, ComponentSpec>;
  providers: Record<string, ComponentSpec>;
  detectors: DetectorSpec[];
  metrics: MetricSpec[];
  sinks: ComponentSpec[];
  /** Options of the `descriptors` virtual fields (validated by the field provider). */
  descriptors?: Record<string, unknown>;
}

/** A config as loaded: the validated object plus where it came from, for error messages. */
export interface LoadedConfig {
  config: VigiaConfig;
  /** Absolute path of the config file (or a pseudo-path for inline configs). */
  file: string;
  /** The path as the user gave it, for messages. */
  displayPath: string;
  dir: string;
  /** Values interpolated from `${env:…}`: redacted from logs and reports. */
  secrets: string[];
  /** The line (1-based) of a JSON path in the source, when known. */
  lineOf(path: string): number | undefined;
}

const componentRef = {
  type: 'object',
  properties: {
    use: { type: 'string', minLength: 1, description: 'Component short name (see `vigia plugins`).' },
    with: { type: 'object', description: "The component's options." },
  },
  required: ['use'],
  additionalProperties: false,
} as const;

const segmentKeys = {
  by: {
    type: 'string', minLength: 1,
    description: 'Run per segment: one result per distinct value of this field (e.g. `model`, `attributes.user_segment`), reported in `details.segments` (detectors) or as a `segment` label (metrics); each segment\'s test counts in the run\'s `correction`.',
  },
  minSegmentSize: {
    type: 'integer', minimum: 1,
    description: 'With `by:`, segments with fewer records than this (in either dataset) are reported as too small instead of tested (default 30).',
  },
} as const;

const idPattern = '^[A-Za-z0-9][A-Za-z0-9._:-]*$';

/** The core config schema (contract). Component options are validated per component afterwards. */
export const coreConfigSchema = {
  $id: 'https://vigia.dev/schema/config-v1.json',
  title: 'Vigia config',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string', description: 'Editor hint; ignored.' },
    version: { const: 1, description: 'Config format version. Always 1.' },
    name: { type: 'string', description: 'Run name, shown in reports (default: the config file name).' },
    description: { type: 'string', description: 'Free text about this config.' },
    seed: { type: 'integer', default: 42, description: 'Seed for every randomised step; the same seed gives the same numbers.' },
    plugins: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: [],
      description: 'Extra plugin packages (npm name, e.g. vigia-plugin-acme) or paths relative to this file. Built-ins need no entry.',
    },
    correction: {
      enum: ['none', 'bonferroni', 'bh'], default: 'none',
      description: 'Multiple-testing correction across the p-value detectors of the run: Bonferroni (family-wise error) or Benjamini–Hochberg (false discovery rate).',
    },
    timeoutMs: { type: 'integer', minimum: 1, default: 600000, description: 'Default time limit per detector or metric, in milliseconds.' },
    cache: {
      anyOf: [{ type: 'string' }, { const: false }], default: '.vigia-cache',
      description: 'Directory (relative to this file) for caches such as embeddings; false keeps them in memory.',
    },
    data: {
      type: 'object', additionalProperties: componentRef, propertyNames: { pattern: idPattern },
      description: 'Named datasets: `reference` and `current` are the usual pair. Each is read once and shared.',
    },
    embedders: {
      type: 'object', additionalProperties: componentRef, propertyNames: { pattern: idPattern }, default: {},
      description: 'Named embedders; detectors use the first one unless they name another. Without any, the `hashing` embedder is used.',
    },
    providers: {
      type: 'object', additionalProperties: componentRef, propertyNames: { pattern: idPattern }, default: {},
      description: 'Named model providers, for detectors that call a model.',
    },
    detectors: {
      type: 'array', default: [],
      description: 'Checks that compare datasets and pass, warn or fail.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['use'],
        properties: {
          id: { type: 'string', pattern: idPattern, description: 'Unique id of this detector in the config (default: its `use`).' },
          use: componentRef.properties.use,
          with: componentRef.properties.with,
          description: { type: 'string', description: 'Free text about this detector.' },
          reference: { type: 'string', description: 'Dataset compared against (default `reference`).' },
          current: { type: 'string', description: 'Dataset under test (default `current`).' },
          timeoutMs: { type: 'integer', minimum: 1, description: 'Time limit for this detector (default: the config-level timeoutMs).' },
          severity: {
            enum: ['fail', 'warn'], default: 'fail',
            description: 'What a failing check means: `fail` fails the run (exit 1, the CI gate); `warn` reports it as a warning and the run still passes (exit 0).',
          },
          ...segmentKeys,
        },
      },
    },
    metrics: {
      type: 'array', default: [],
      description: 'Named values computed on one dataset (latency percentiles, throughput, token usage, …).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['use'],
        properties: {
          id: { type: 'string', pattern: idPattern, description: 'Id of this metric (default: its `use`).' },
          use: componentRef.properties.use,
          with: componentRef.properties.with,
          dataset: { type: 'string', description: 'Dataset the metric is computed on (default `current`).' },
          timeoutMs: { type: 'integer', minimum: 1, description: 'Time limit for this metric (default: the config-level timeoutMs).' },
          ...segmentKeys,
        },
      },
    },
    sinks: { type: 'array', items: componentRef, default: [], description: 'Where events and the report go (console, json, junit, …).' },
    descriptors: {
      type: 'object',
      description: 'Options of the text descriptors, the virtual fields `descriptors.<text field>.<name>` any detector or metric can address (custom regexes, trigger words, a JSON Schema, …); see plugins/descriptors/README.md.',
    },
  },
} as const;

const ENV_PATTERN = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replace `${env:NAME}` (or `${env:NAME:-default}`) in every string of the config. Missing
 * variables without a default are errors naming the JSON path. Returns the values used, so they
 * can be redacted.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, where: string, file: string, secrets: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_PATTERN, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v === undefined) {
        if (fallback !== undefined) return fallback;
        throw new ConfigError('VIGIA_ENV_MISSING', `${file}: ${where || '/'} uses \${env:${name}}, but the environment variable ${name} is not set; set it or write \${env:${name}:-default}`);
      }
      secrets.push(v);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${where}/${i}`, file, secrets));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateEnv(v, env, `${where}/${k}`, file, secrets);
    return out;
  }
  return value;
}

interface ParsedSource {
  raw: unknown;
  lineOf(path: string): number | undefined;
}

function parseYaml(text: string, display: string): ParsedSource {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    const first = e.message.split('\n')[0];
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}:${pos.line}:${pos.col}: YAML syntax error: ${first}`);
  }
  return {
    raw: doc.toJS({ maxAliasCount: 100 }),
    lineOf(path) {
      const segments = path.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      for (let n = segments.length; n >= 0; n--) {
        const node = doc.getIn(segments.slice(0, n), true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

function parseJson(text: string, display: string): ParsedSource {
  try {
    return { raw: JSON.parse(text), lineOf: () => undefined };
  } catch (error) {
    const message = (error as Error).message;
    const m = /position (\d+)/.exec(message);
    let where = '';
    if (m) {
      const before = text.slice(0, Number(m[1]));
      const line = before.split('\n').length;
      const col = Number(m[1]) - before.lastIndexOf('\n');
      where = `${line}:${col}:`;
    }
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}:${where} JSON syntax error: ${message.replace(/^JSON\.parse: /, '')}`);
  }
}

/** Read and parse a config file (YAML or JSON), interpolate env and validate it against the core schema. */
export function loadConfigFile(path: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = resolve(cwd, path);
  if (!existsSync(file)) {
    throw new ConfigError('VIGIA_CONFIG_NOT_FOUND', `config file not found: ${path} (looked for ${file}); check the path, e.g. vigia run configs/quickstart.yaml`);
  }
  if (statSync(file).isDirectory()) {
    throw new ConfigError('VIGIA_CONFIG_NOT_FOUND', `${path} is a directory, not a config file; name a .yaml, .yml or .json file in it`);
  }
  const text = readFileSync(file, 'utf8');
  return parseConfigText(text, { file, displayPath: path, env: options.env });
}

/** Parse config text; `file` decides the directory relative paths resolve against. */
export function parseConfigText(text: string, where: { file: string; displayPath?: string; env?: NodeJS.ProcessEnv }): LoadedConfig {
  const display = where.displayPath ?? where.file;
  const parsed = extname(where.file).toLowerCase() === '.json' ? parseJson(text, display) : parseYaml(text, display);
  if (parsed.raw === null || typeof parsed.raw !== 'object' || Array.isArray(parsed.raw)) {
    throw new ConfigError('VIGIA_CONFIG_INVALID', `${display}: a config must be a mapping with at least \`version: 1\`; see docs/config-reference.md`);
  }
  const secrets: string[] = [];
  const interpolated = interpolateEnv(parsed.raw, where.env ?? process.env, '', display, secrets) as Record<string, unknown>;

  const validate = getAjv().compile(coreConfigSchema);
  const config = structuredClone(interpolated);
  const at = (path: string) => {
    const line = parsed.lineOf(path);
    return line ? `${display}:${line}` : display;
  };
  if (!validate(config)) {
    const lines = formatAjvErrors(validate.errors ?? [], '').map((l) => {
      const path = l.split(' ')[0]!;
      return `${at(path)}: ${l}`;
    });
    throw new ConfigError('VIGIA_CONFIG_INVALID', lines.length === 1 ? lines[0]! : `invalid config:\n  ${lines.join('\n  ')}`);
  }
  const c = config as unknown as VigiaConfig & { detectors: Array<DetectorSpec & { id?: string }>; metrics: Array<MetricSpec & { id?: string }> };
  c.name ??= basename(where.file).replace(/\.(ya?ml|json)$/i, '');
  c.data ??= {};
  // Default ids; then duplicates are errors.
  const seen = new Map<string, number>();
  const problems: string[] = [];
  c.detectors.forEach((d, i) => {
    d.id ??= d.use;
    const prev = seen.get(d.id);
    if (prev !== undefined) {
      problems.push(`${at(`/detectors/${i}/id`)}: /detectors/${i}/id "${d.id}" is also the id of /detectors/${prev}; detector ids must be unique (add or change \`id:\`)`);
    } else seen.set(d.id, i);
  });
  const metricIds = new Map<string, number>();
  c.metrics.forEach((m, i) => {
    let id = m.id ?? m.use;
    if (m.id === undefined && metricIds.has(id)) id = `${m.use}-${i}`;
    if (m.id !== undefined && metricIds.has(id)) {
      problems.push(`${at(`/metrics/${i}/id`)}: /metrics/${i}/id "${id}" is also the id of /metrics/${metricIds.get(id)}; metric ids must be unique`);
    }
    m.id = id;
    metricIds.set(id, i);
  });
  const datasetNames = Object.keys(c.data);
  const checkDataset = (name: string, path: string, role: string, explicit: boolean) => {
    if (!(name in c.data)) {
      const have = datasetNames.length ? `the config defines ${datasetNames.map((n) => `"${n}"`).join(', ')}` : 'the config defines no datasets under `data:`';
      problems.push(`${at(path)}: ${path} ${explicit ? `names dataset "${name}"` : `uses the default ${role} dataset "${name}"`}, but ${have}; add data.${name} or set ${role}: <name>`);
    }
  };
  c.detectors.forEach((d, i) => {
    checkDataset(d.current ?? 'current', `/detectors/${i}${d.current ? '/current' : ''}`, 'current', d.current !== undefined);
    if (d.reference !== undefined) checkDataset(d.reference, `/detectors/${i}/reference`, 'reference', true);
  });
  c.metrics.forEach((m, i) => checkDataset(m.dataset ?? 'current', `/metrics/${i}${m.dataset ? '/dataset' : ''}`, 'dataset', m.dataset !== undefined));
  if (problems.length) throw new ConfigError('VIGIA_CONFIG_INVALID', problems.length === 1 ? problems[0]! : `invalid config:\n  ${problems.join('\n  ')}`);

  return { config: c, file: where.file, displayPath: display, dir: dirname(where.file), secrets, lineOf: parsed.lineOf };
}
