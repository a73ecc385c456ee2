/**
 * Ahead-of-time validators: ajv's standalone code for a set of JSON Schemas, as a TypeScript
 * module that {@link usePrecompiledValidators} registers. Compiling a schema with ajv at run time
 * (and loading ajv to do it) was most of a small `vigia run`'s start-up; the generated code is the
 * very code ajv would compile, with the same options, so results, defaults and error objects
 * (messages, paths, `parentSchema` and its `x-hints`) are the same.
 *
 * Used by `pnpm gen:precompiled` (scripts/gen-precompiled.mjs) for the core config schema and the
 * built-in plugins' options; tests check the committed modules are up to date.
 */
import type { Ajv } from 'ajv';
import { createRequire } from 'node:module';
import { AJV_OPTIONS } from './options.js';

const require = createRequire(import.meta.url);

/** Whether a schema survives JSON unchanged (only then does its JSON text identify it, and can ajv write it as code). */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as Record<string, unknown>).every((v) => v !== undefined && isPlainJson(v));
  }
  return false;
}

/**
 * The module text of validators for `schemas` (each as it is passed to compileSchema). Schemas
 * that JSON cannot represent exactly are left out (they are compiled at run time as before);
 * duplicates are generated once. `header` is a comment saying where the module comes from.
 */
export function precompileValidators(schemas: readonly object[], header: string): string {
  const { Ajv: AjvClass, _ } = require('ajv') as typeof import('ajv');
  const standaloneCode = (require('ajv/dist/standalone') as { default: (ajv: Ajv, refs: Record<string, string>) => string }).default;
  const formats = require('ajv-formats') as { default?: (ajv: Ajv) => Ajv } & ((ajv: Ajv) => Ajv);
  const ajv = new AjvClass({
    ...AJV_OPTIONS,
    // Built-in schemas are checked against the meta-schema by the test suite.
    validateSchema: false,
    code: { source: true, lines: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  (formats.default ?? formats)(ajv);
  const texts: string[] = [];
  const refs: Record<string, string> = {};
  for (const schema of schemas) {
    if (!isPlainJson(schema)) continue;
    const text = JSON.stringify(schema);
    if (texts.includes(text)) continue;
    const key = `s${texts.length}`;
    texts.push(text);
    ajv.addSchema(schema, key);
    refs[key] = key;
  }
  const code = texts.length ? standaloneCode(ajv, refs).replace(/^"use strict";\n?/, '') : '';
  return [
    header.trim().split('\n').map((l) => `// ${l}`).join('\n'),
    '/* eslint-disable */',
    '// @ts-nocheck -- generated code',
    'export default function validators(require: (id: string) => unknown): Array<[string, unknown]> {',
    'const exports: Record<string, unknown> = {};',
    code.trim(),
    `return [\n${texts.map((t, i) => `  [${JSON.stringify(t)}, exports.s${i}],`).join('\n')}\n];`,
    '}',
    '',
  ].join('\n');
}
