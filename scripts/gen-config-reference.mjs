#!/usr/bin/env node
// Regenerates docs/config-reference.md from the composed JSON Schema (run after `pnpm build`).
// test/docs.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinRegistry, renderConfigReference } from '../packages/cli/dist/index.js';

const target = fileURLToPath(new URL('../docs/config-reference.md', import.meta.url));
writeFileSync(target, renderConfigReference(await builtinRegistry()));
console.log(`wrote ${target}`);
