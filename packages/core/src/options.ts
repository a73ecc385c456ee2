import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { AnyComponentDef, OptionsSchema } from './contracts.js';
import { ConfigError } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

let shared: Ajv | undefined;

/** The one ajv instance: all errors, defaults filled in, formats on. */
export function getAjv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: true, useDefaults: true, strict: false, allowUnionTypes: true, verbose: true });
    addFormats(shared);
  }
  return shared;
}

/**
 * A component's options schema as the core validates it: an object whose unknown properties are
 * errors, unless the author explicitly allowed them.
 */
export function normalizeOptionsSchema(schema: OptionsSchema): Record<string, unknown> {
  const s = { ...(schema as Record<string, unknown>) };
  if (s.type === undefined) s.type = 'object';
  if (s.additionalProperties === undefined && s.type === 'object') s.additionalProperties = false;
  return s;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Schemas of the core and of built-in plugins, which the test suite checks against the JSON Schema meta-schema. */
const trusted = new WeakSet<object>();

/**
 * Mark a schema as checked by the test suite (the core's, a built-in plugin's), so compiling it
 * skips ajv's meta-schema check, whose own compilation is a noticeable share of every CLI start.
 * External plugins' schemas are always checked.
 */
export function trustSchema(schema: object): void {
  trusted.add(schema);
}

/** Compile a schema with the shared ajv; a trusted one without the meta-schema check. */
export function compileSchema(schema: object, source: object = schema): ValidateFunction {
  const ajv = getAjv();
  if (!trusted.has(source)) return ajv.compile(schema);
  const opts = ajv.opts as { validateSchema?: boolean | 'log' };
  const before = opts.validateSchema;
  opts.validateSchema = false;
  try {
    return ajv.compile(schema);
  } finally {
    opts.validateSchema = before;
  }
}

function validatorFor(def: Pick<AnyComponentDef, 'options'>): ValidateFunction {
  let v = compiled.get(def.options);
  if (!v) {
    v = compileSchema(normalizeOptionsSchema(def.options), def.options);
    compiled.set(def.options, v);
  }
  return v;
}

/**
 * Render ajv errors as `file: /path must …` lines, with the offending property named and, where
 * the schema gives one under `x-hints`, what to do about it.
 */
export function formatAjvErrors(errors: readonly ErrorObject[], pathPrefix: string, file?: string): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path = pathPrefix + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = `${path}/${extra}`;
      message = 'is not a known option (remove it or check its spelling)';
    } else if (e.keyword === 'enum') {
      message = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'const') {
      message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    } else if (e.keyword === 'required') {
      path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      continue; // the specific branch errors say more
    }
    // A schema may explain a keyword's failure in the user's terms: `x-hints: { <keyword>: '…' }`.
    const hint = ((e.parentSchema as { 'x-hints'?: Record<string, unknown> } | undefined)?.['x-hints'])?.[e.keyword];
    if (typeof hint === 'string') message = `${message}: ${hint}`;
    const line = `${file ? `${file}: ` : ''}${path || '/'} ${message}`;
    if (!seen.has(line)) {
      seen.add(line);
      lines.push(line);
    }
  }
  return lines;
}

/**
 * Validate and default a component's options. Throws a {@link ConfigError} whose message lists
 * every problem with its JSON path (`/detectors/1/with/threshold must be number`).
 */
export function validateOptions<T = Record<string, unknown>>(
  def: Pick<AnyComponentDef, 'options'>,
  options: unknown,
  where: { path: string; file?: string } = { path: '/with' },
): T {
  const value = structuredClone(options ?? {});
  const validate = validatorFor(def);
  if (!validate(value)) {
    const lines = formatAjvErrors(validate.errors ?? [], where.path, where.file);
    throw new ConfigError('VIGIA_CONFIG_INVALID', lines.length === 1 ? lines[0]! : `invalid options:\n  ${lines.join('\n  ')}`);
  }
  return value as T;
}
