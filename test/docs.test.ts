import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry, renderConfigReference } from '../packages/cli/src/index.js';
import { repoRoot } from './helpers.js';

describe('docs', () => {
  it('docs/config-reference.md is up to date with the schema (regenerate with pnpm docs:config)', async () => {
    const committed = readFileSync(join(repoRoot, 'docs', 'config-reference.md'), 'utf8');
    expect(committed).toBe(renderConfigReference(await builtinRegistry()));
  });

  it('the README quickstart gives exactly the two commands', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const lines = readme.split('\n');
    expect(lines).toContain('npm install -g pnpm@10 && pnpm install && pnpm vigia run configs/quickstart.yaml');
    expect(lines).toContain('pnpm test');
  });

  it('every shipped component has a description, an options schema with described options, and a README mention', async () => {
    const registry = await builtinRegistry();
    for (const c of registry.list()) {
      expect(c.def.description.length, `${c.kind} ${c.name}`).toBeGreaterThan(10);
      const props = (c.def.options as { properties?: Record<string, { description?: string }> }).properties ?? {};
      for (const [name, p] of Object.entries(props)) expect(p.description, `${c.kind} ${c.name} option ${name} has no description`).toBeTruthy();
      // Plugin packages document their components in plugins/<name>/README.md; @vigia/monitor (the http source) in packages/monitor.
      const readmeDir = c.plugin.startsWith('@vigia/plugin-') ? join('plugins', c.plugin.replace('@vigia/plugin-', '')) : join('packages', c.plugin.replace('@vigia/', ''));
      const readme = readFileSync(join(repoRoot, readmeDir, 'README.md'), 'utf8');
      const mentioned = new RegExp(`(^|[^\\w-])${c.name.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}([^\\w-]|$)`, 'm');
      expect(readme, `${readmeDir}/README.md does not document ${c.kind} ${c.name}`).toMatch(mentioned);
    }
  });
});

describe('docs/writing-plugins.md', () => {
  it('shows the example plugin and its test exactly as they are tested in docs/examples', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'writing-plugins.md'), 'utf8');
    for (const file of ['src/index.ts', 'src/index.test.ts', 'src/kinds.ts', 'src/kinds.test.ts']) {
      const code = readFileSync(join(repoRoot, 'docs', 'examples', 'vigia-plugin-length', file), 'utf8');
      expect(doc).toContain('```ts\n' + code + '```');
    }
    const detector = readFileSync(join(repoRoot, 'docs', 'examples', 'vigia-plugin-length', 'src', 'index.ts'), 'utf8');
    expect(detector.trimEnd().split('\n').length).toBeLessThan(40);
  });
});
