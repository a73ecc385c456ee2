#!/usr/bin/env node
// Regenerates what the CLI precomputes for a fast start: the options validators (ajv standalone
// code) of the core config schema (packages/core/src/generated/) and of each built-in plugin
// package (packages/cli/src/generated/validators/), and yargs' help texts
// (packages/cli/src/generated/help.ts). Run after changing a schema or a command
// (`pnpm gen:precompiled` builds first and after); packages/cli/src/precompiled.test.ts fails while
// a committed module is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_PLUGINS, renderGeneratedModules } from '../packages/cli/dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugins = await Promise.all(BUILTIN_PLUGINS.map(async (p) => (await p.load()).default));
for (const { path, text } of await renderGeneratedModules(plugins)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  console.log(`wrote ${path} (${(text.length / 1024).toFixed(0)} KB)`);
}
