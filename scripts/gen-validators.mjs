#!/usr/bin/env node
// Regenerates the precompiled options validators (ajv standalone code): the core config schema's
// in packages/core/src/generated/ and one module per built-in plugin package in
// packages/cli/src/generated/validators/. Run after changing a schema (`pnpm gen:validators`
// builds first); packages/cli/src/precompiled.test.ts fails while a committed module is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_PLUGINS, renderValidatorModules } from '../packages/cli/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugins = await Promise.all(BUILTIN_PLUGINS.map(async (p) => (await p.load()).default));
for (const { path, text } of renderValidatorModules(plugins)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path} (${(text.length / 1024).toFixed(0)} KB)`);
}
