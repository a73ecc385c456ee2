import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from 'yaml';
import { cachedPrecompiledValidators, requireVendored } from './vendor.js';
import { ConfigError, clipText, errorMessage, redactError, redactSecrets } from './errors.js';
import { compileSchema, formatAjvErrors, trustSchema, usePrecompiledValidators, type PrecompiledValidators } from './options.js';
import coreConfigValidators from './generated/config-validator.js';
import { describeFsError } from './write.js';
import type { FromHistorySpec } from './history.js';

/** A component reference in a config: `{ use: name, with: { …options } }`. */
export interface ComponentSpec {
  use: string;
  with?: Record<string, unknown>;
}

/** A sink in a config: a component reference plus whether its failure fails the run. */
export interface SinkSpec extends ComponentSpec {
  /** A failure to produce this output fails the run (exit 3); default: the sink's own default (true for files). */
  required?: boolean;
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
  isolation?: 'worker' | 'inline';
}

export interface MetricSpec extends ComponentSpec {
  id: string;
  /** Dataset the metric is computed on (default `current`). */
  dataset?: string;
  timeoutMs?: number;
  /** Compute per segment: values labelled `segment=<value of this field>`. */
  by?: string;
  minSegmentSize?: number;
  isolation?: 'worker' | 'inline';
}

/** `windows:` in a config. */
export interface WindowsSpec {
  size?: string;
  records?: number;
  every?: string | number;
  dataset: string;
  timestampField: string;
}

// --- Live monitoring (issue 16: vigia watch, history, alerts) --------------------------------

/** `store:` in a config: the history store of windows (embedded DuckDB). */
export interface StoreSpec {
  path: string;
  retentionDays?: number;
}

/** `watch:` in a config: options of `vigia watch`. */
export interface WatchSpec {
  idle?: string;
  listen?: string;
  annotate?: { path: string; perWindow: number; fields?: string[] };
}

/** One rule of `alerts:` in a config. */
export interface AlertSpec {
  id?: string;
  when: string;
  for: number;
  cooldown?: string;
  severity: 'info' | 'warning' | 'critical';
  description?: string;
}

const durationPattern = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$';

/** Config keys of live monitoring, kept in one block (added to {@link coreConfigSchema}). */
const monitorConfigProperties = {
  store: {
    type: 'object', additionalProperties: false, required: ['path'],
    description: 'The history store: every window\'s results (and a watcher\'s input positions and alerts) in an embedded DuckDB file, read by `vigia history`. Written by `vigia watch`.',
    properties: {
      path: { type: 'string', minLength: 1, description: 'The DuckDB file, relative to this config (e.g. `./.vigia/history.duckdb`). One watcher writes it at a time.' },
      retentionDays: { type: 'number', exclusiveMinimum: 0, description: 'Delete windows and delivered alerts written more than this many days ago, as new ones are written. Default: keep everything.' },
    },
  },
  watch: {
    type: 'object', additionalProperties: false,
    description: 'Options of `vigia watch` (a long-running session over the `windows:` dataset; see docs/getting-started.md, "Monitor live traffic").',
    properties: {
      idle: { type: 'string', pattern: durationPattern, description: 'Close the open window after this much wall time without a record (default: the window length for `windows.size`, 1m for `windows.records`).' },
      listen: { type: 'string', minLength: 3, description: 'Serve `/healthz`, `/metrics` (Prometheus text) and `/history` (JSON) on `HOST:PORT` (default `127.0.0.1:9465`; port 0 picks a free one).' },
      annotate: {
        type: 'object', additionalProperties: false, required: ['path'],
        description: 'Annotation queue: per window, append the records most worth labelling (highest anomaly, farthest from the reference, lowest token confidence), with the reason each was chosen, to a JSONL file.',
        properties: {
          path: { type: 'string', minLength: 1, description: 'JSONL file the queue appends to, relative to this config.' },
          perWindow: { type: 'integer', minimum: 1, maximum: 10000, default: 10, description: 'Records picked per window.' },
          fields: { type: 'array', items: { type: 'string', minLength: 1 }, description: 'Numeric fields scored for distance from the reference (default: every numeric top-level field of the reference).' },
        },
      },
    },
  },
  alerts: {
    type: 'array',
    description: 'Alert rules evaluated on every closed window of `vigia watch`; transitions (firing, resolved) are stored in the history and delivered to every `webhook` sink.',
    items: {
      type: 'object', additionalProperties: false, required: ['when'],
      properties: {
        id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Name of the rule (default: its `when`).' },
        when: { type: 'string', minLength: 3, description: 'Condition on a metric value (`latency.p95 > 2`, `gen_ai.client.token.usage{type="output"} >= 500`) or a detector status (`latency-drift.status == fail`, `status != pass` for the window). Operators: > >= < <= == !=.' },
        for: { type: 'integer', minimum: 1, default: 1, description: 'Fire after this many consecutive windows meet the condition; resolve after as many that do not.' },
        cooldown: { type: 'string', pattern: durationPattern, description: 'After a rule resolved, do not fire it again for this long (wall time), e.g. `30m`.' },
        severity: { enum: ['info', 'warning', 'critical'], default: 'warning', description: 'Carried in the delivery.' },
        description: { type: 'string', description: 'Free text sent with the alert.' },
      },
    },
  },
} as const;

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
  sinks: SinkSpec[];
  /** Windows of a windowed run (see `windows` in the config reference). */
  windows?: WindowsSpec;
  /** Options of the `descriptors` virtual fields (validated by the field provider). */
  descriptors?: Record<string, unknown>;
  /**
   * Datasets written `data.<name>: { fromHistory: … }` (a rolling reference from the history
   * store), moved here from `data` when the config is validated: `data` holds source datasets only.
   */
  historyData: Record<string, FromHistorySpec>;
  /** Live monitoring: the history store, `vigia watch` options and alert rules. */
  store?: StoreSpec;
  watch?: WatchSpec;
  alerts?: AlertSpec[];
}

/** A config as loaded: the validated object plus where it came from, for error messages. */
export interface LoadedConfig {
  config: VigiaConfig;
  /** Absolute path of the config file (or a pseudo-path for inline configs). */
  file: string;
  /** The path as the user gave it, for messages. */
  displayPath: string;
  dir: string;
  /** Values interpolated from `${env:…}`: redacted from events, logs, errors and reports. */
  secrets: string[];
  /** `text` with every secret replaced by `***`. */
  redact(text: string): string;
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

/** `data.<name>.fromHistory`: a rolling reference built from the history store's samples. */
const fromHistorySchema = {
  type: 'object', additionalProperties: false,
  description: 'A rolling reference: each window of the windowed dataset is compared against the traffic of earlier windows kept in the history store (`store:`), as a uniform random sample weighted by each window\'s record count; the window being evaluated is never part of it. Needs `windows:` (tumbling) and `store:`. Give `last`, `windows` or both. See packages/monitor/README.md, "Rolling reference".',
  properties: {
    last: { type: 'string', pattern: durationPattern, description: 'Windows that ended within this much record time before the evaluated window starts (`7d`, `24h`).' },
    windows: { type: 'integer', minimum: 1, description: 'At most this many of the latest windows (with `last`: both limits apply).' },
    minRecords: { type: 'integer', minimum: 1, default: 200, description: 'Cold start: while the rolling reference holds fewer records, its detectors report `warn` "not tested" with the reason, never a silent pass.' },
    maxRecords: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'Size cap of the rolling reference (its n in the tests).' },
    perWindow: { type: 'integer', minimum: 1, maximum: 1000000, default: 2000, description: 'Records sampled (uniformly, projected to the fields in use) and stored per window; the window\'s record count is stored beside them.' },
    exclude: {
      type: 'array', items: { enum: ['warn', 'fail', 'error'] }, uniqueItems: true, default: [],
      description: 'Leave out windows whose status was one of these (e.g. `[fail]`: a drifting period does not become the baseline; a lasting change then fails until the windows before it leave the range, and the reference starts again from the new traffic after a cold start). Default: every window counts, so the baseline follows a lasting change within the range.',
    },
  },
} as const;

/** A dataset in `data:`: a source (`use`, `with`) or a rolling reference (`fromHistory`). */
const datasetRef = {
  type: 'object',
  properties: {
    use: componentRef.properties.use,
    with: componentRef.properties.with,
    fromHistory: fromHistorySchema,
  },
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

/** The largest time limit Node's timers can hold (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** How far an alias may expand a YAML config (references × aliases inside each): ordinary reuse, not a bomb. */
export const MAX_YAML_ALIAS_EXPANSION = 10_000;
/** How deeply a config may nest. */
export const MAX_CONFIG_DEPTH = 64;

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
    seed: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 42, description: 'Seed for every randomised step; the same seed gives the same numbers.' },
    plugins: {
      type: 'array', items: { type: 'string', minLength: 1 }, default: [],
      description: 'Extra plugin packages (npm name, e.g. vigia-plugin-acme) or paths relative to this file. Built-ins need no entry.',
    },
    correction: {
      enum: ['none', 'bonferroni', 'bh'], default: 'none',
      description: 'Multiple-testing correction across the p-value detectors of the run: Bonferroni (family-wise error) or Benjamini–Hochberg (false discovery rate).',
    },
    timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMEOUT_MS, default: 600000, description: 'Default time limit per detector or metric, in milliseconds (at most 2147483647, about 24.8 days).' },
    cache: {
      anyOf: [{ type: 'string' }, { const: false }], default: '.vigia-cache',
      description: 'Directory (relative to this file) for caches such as embeddings; false keeps them in memory.',
    },
    data: {
      type: 'object', additionalProperties: datasetRef, propertyNames: { pattern: idPattern },
      description: 'Named datasets: `reference` and `current` are the usual pair. Each is a source (`use`, `with`, read once and shared) or, for a windowed run, a rolling reference from history (`fromHistory`).',
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
          timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMEOUT_MS, description: 'Time limit for this detector (default: the config-level timeoutMs).' },
          isolation: {
            enum: ['worker', 'inline'],
            description: 'Where it runs: `worker` (a worker thread, stopped at its timeoutMs even in a synchronous loop) or `inline` (the main thread: cheaper, but only asynchronous waits can be interrupted). Default: the component\'s own choice (worker for external plugins and long CPU-bound built-ins).',
          },
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
          timeoutMs: { type: 'integer', minimum: 1, maximum: MAX_TIMEOUT_MS, description: 'Time limit for this metric (default: the config-level timeoutMs).' },
          isolation: {
            enum: ['worker', 'inline'],
            description: 'Where it runs: `worker` (a worker thread, stopped at its timeoutMs even in a synchronous loop) or `inline` (the main thread: cheaper, but only asynchronous waits can be interrupted). Default: the component\'s own choice (worker for external plugins and long CPU-bound built-ins).',
          },
          ...segmentKeys,
        },
      },
    },
    sinks: {
      type: 'array', default: [], description: 'Where events and the report go (console, json, junit, …).',
      items: {
        ...componentRef,
        properties: {
          ...componentRef.properties,
          required: {
            type: 'boolean',
            description: 'Whether a failure of this sink fails the run (exit 3). Default: true for outputs the config asks for (json, junit files); false for exporters whose failure is a counted warning.',
          },
        },
      },
    },
    windows: {
      type: 'object', additionalProperties: false,
      description: 'Evaluate the windowed dataset in windows instead of once over everything: tumbling windows by record time (`size: 5m`) or by count (`records: 10000`); sliding with `every:`. The report then lists every window (`windows`). Other datasets (the reference) are read once for the whole session.',
      properties: {
        size: { type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$', description: 'Window length in record time (`30s`, `5m`, `1h`, `1d`), read from `timestampField`. Windows are aligned to multiples of the length since the epoch.' },
        records: { type: 'integer', minimum: 1, maximum: 100000000, description: 'Window length in records of the windowed dataset.' },
        every: { anyOf: [{ type: 'string', pattern: '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*$' }, { type: 'integer', minimum: 1 }], description: 'Sliding windows: start a new window this often (a duration with `size`, a record count with `records`); must divide the window length. Default: tumbling (every = the length).' },
        dataset: { type: 'string', default: 'current', description: 'The dataset split into windows (default `current`).' },
        timestampField: { type: 'string', default: 'timestamp', description: 'Record field holding the record time, for `size` windows.' },
      },
    },
    ...monitorConfigProperties,
    descriptors: {
      type: 'object',
      description: 'Options of the text descriptors, the virtual fields `descriptors.<text field>.<name>` any detector or metric can address (custom regexes, trigger words, a JSON Schema, …); see plugins/descriptors/README.md.',
    },
  },
} as const;

const ENV_PATTERN = /\$\{(env|var):([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replace `${env:NAME}` (or `${env:NAME:-default}`) in every string of the config with the
 * environment variable's value, which is then treated as a secret (redacted everywhere). `${var:NAME}`
 * reads an environment variable the same way but marks its value as not secret (a field name, a
 * model, a path), so it shows in messages and reports. Missing variables without a default are
 * errors naming the JSON path. Secret values are pushed onto `secrets`. A cycle (a YAML alias
 * inside its own anchor) or nesting deeper than {@link MAX_CONFIG_DEPTH} is a config error.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, where: string, file: string, secrets: string[]): unknown {
  const ancestors = new Set<object>();
  const walk = (v: unknown, at: string, depth: number): unknown => {
    if (typeof v === 'string') {
      return v.replace(ENV_PATTERN, (_, kind: 'env' | 'var', name: string, fallback: string | undefined) => {
        const found = env[name];
        if (found === undefined) {
          if (fallback !== undefined) return fallback;
          throw new ConfigError('VIGIA_ENV_MISSING', `${file}: ${at || '/'} uses \${${kind}:${name}}, but the environment variable ${name} is not set; set it or write \${${kind}:${name}:-default}`);
        }
        if (kind === 'env') secrets.push(found);
        return found;
      });
    }
    if (!v || typeof v !== 'object') return v;
    if (ancestors.has(v)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${file}: ${at || '/'} refers back to a mapping that contains it (a YAML alias *name used inside its own &name anchor); a config cannot be cyclic: copy the values instead`);
    }
    if (depth > MAX_CONFIG_DEPTH) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${file}: ${clipText(at, 120)} is nested more than ${MAX_CONFIG_DEPTH} levels deep; a config is never that deep (is this the right file?)`);
    }
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${at}/${i}`, depth + 1));
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, `${at}/${k}`, depth + 1);
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return walk(value, where, 0);
}

interface ParsedSource {
  raw: unknown;
  lineOf(path: string): number | undefined;
}

let yamlModule: typeof import('yaml') | undefined;

function parseYaml(text: string, display: string): ParsedSource {
  // Loaded on first use (JSON configs and programmatic plans need no YAML parser), from its vendored copy.
  const { LineCounter, parseDocument, isNode } = (yamlModule ??= requireVendored<typeof import('yaml')>('yaml'));
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    // `merge: true`: YAML merge keys (`<<: *defaults`) are supported.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  } catch (error) {
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}: YAML cannot be parsed: ${clipText((error as Error).message.split('\n')[0]!, 200)}${error instanceof RangeError ? ' (nested too deeply?)' : ''}`);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    const first = clipText(e.message.split('\n')[0]!, 200);
    const line = text.split('\n')[pos.line - 1] ?? '';
    // `{ path: ${env:X} }`: in a flow mapping, `{` after `$` opens another mapping.
    const hint = /(^|[\s,{[:])\$\{(env|var):/.test(line) && /[{[]/.test(line)
      ? '; a value starting with ${…} inside { } or [ ] must be quoted, e.g. path: "${env:DATA_PATH}"'
      : '';
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}:${pos.line}:${pos.col}: YAML syntax error: ${first}${hint}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSION });
  } catch (error) {
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new ConfigError('VIGIA_CONFIG_INVALID', `${display}: its YAML aliases (*name) expand to more than ${MAX_YAML_ALIAS_EXPANSION} nodes, which looks like an alias bomb; reuse anchors less deeply or write the values out`);
    }
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}: YAML cannot be read: ${clipText(errorMessage(error), 200)}`);
  }
  return {
    raw,
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
    throw new ConfigError('VIGIA_CONFIG_SYNTAX', `${display}:${where} JSON syntax error: ${clipText(message.replace(/^JSON\.parse: /, ''), 200)}`);
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('VIGIA_CONFIG_NOT_FOUND', `cannot read the config file ${path}: ${describeFsError(error)}`, { cause: error });
  }
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
  try {
    return validateConfig(interpolated, parsed, where, display, secrets);
  } catch (error) {
    throw redactError(error, secrets);
  }
}

let coreValidatorReady = false;

function validateConfig(interpolated: Record<string, unknown>, parsed: ParsedSource, where: { file: string }, display: string, secrets: string[]): LoadedConfig {

  if (!coreValidatorReady) {
    // Checked against the meta-schema by packages/cli/src/shared.test.ts; its validator is
    // generated ahead of time (`pnpm gen:precompiled`), so a config is checked without loading ajv.
    trustSchema(coreConfigSchema);
    usePrecompiledValidators(cachedPrecompiledValidators<PrecompiledValidators>(fileURLToPath(new URL('./precompiled/config-validator.cjs', import.meta.url))) ?? coreConfigValidators);
    coreValidatorReady = true;
  }
  const validate = compileSchema(coreConfigSchema);
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
  c.historyData = {};
  checkDatasets(c, at, problems);
  const datasetNames = [...Object.keys(c.data), ...Object.keys(c.historyData)];
  const checkDataset = (name: string, path: string, role: string, explicit: boolean) => {
    if (role !== 'reference' && name in c.historyData) {
      problems.push(`${at(path)}: ${path} ${explicit ? `names dataset "${name}"` : `uses the default ${role} dataset "${name}"`}, which is a rolling reference (fromHistory); a fromHistory dataset can only be a detector's reference`);
      return;
    }
    if (!(name in c.data) && !(name in c.historyData)) {
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

  return { config: c, file: where.file, displayPath: display, dir: dirname(where.file), secrets, redact: (t) => redactSecrets(t, secrets), lineOf: parsed.lineOf };
}

/**
 * Each dataset is a source (`use`) or a rolling reference (`fromHistory`); the latter move to
 * `historyData` once their needs are checked (a store, tumbling windows of another dataset).
 */
function checkDatasets(c: VigiaConfig, at: (path: string) => string, problems: string[]): void {
  for (const [name, raw] of Object.entries(c.data)) {
    const spec = raw as ComponentSpec & { fromHistory?: FromHistorySpec };
    const path = `/data/${name}`;
    if (spec.fromHistory === undefined) {
      if (spec.use === undefined) problems.push(`${at(path)}: ${path} needs use: <source> (e.g. use: jsonl, with: { path: ./data.jsonl }) or fromHistory: { last: 7d } (a rolling reference from the history store)`);
      continue;
    }
    const hp = `${path}/fromHistory`;
    if (spec.use !== undefined || spec.with !== undefined) {
      problems.push(`${at(path)}: ${path} has both fromHistory and ${spec.use !== undefined ? 'use' : 'with'}; a dataset is either a source (use, with) or a rolling reference from history (fromHistory)`);
    }
    const h = spec.fromHistory;
    if (h.last === undefined && h.windows === undefined) {
      problems.push(`${at(hp)}: ${hp} needs last: <duration> (e.g. 7d, the record time before each window) or windows: <count> (the latest windows), or both`);
    }
    if (h.minRecords > h.maxRecords) problems.push(`${at(`${hp}/minRecords`)}: ${hp}/minRecords (${h.minRecords}) is above maxRecords (${h.maxRecords}): the reference could never be large enough`);
    if (!c.store) {
      problems.push(`${at(hp)}: ${hp} reads the history store, but the config has no store:; add store: { path: ./.vigia/history.duckdb } (vigia watch and vigia run keep every window's sample there)`);
    }
    const w = c.windows;
    if (!w) {
      problems.push(`${at(hp)}: ${hp} compares each window against earlier ones, but the config has no windows:; add windows: { size: 5m } (or records: 10000)`);
    } else if (w.every !== undefined && String(w.every).trim() !== String(w.size ?? w.records).trim()) {
      problems.push(`${at('/windows/every')}: /windows/every makes windows overlap, so their samples would count records twice in ${hp}; use tumbling windows (remove every:)`);
    }
    if (w && (w.dataset ?? 'current') === name) problems.push(`${at(hp)}: ${path} is the windowed dataset (windows.dataset), so it must be a source; name another dataset in windows.dataset`);
    c.historyData[name] = h;
    delete c.data[name];
  }
}
