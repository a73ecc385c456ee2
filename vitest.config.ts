import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (dir: string) => fileURLToPath(new URL(`./${dir}/src/index.ts`, import.meta.url));

// Tests run against the TypeScript sources, so `pnpm test` needs no build step first
// (end-to-end tests under test/ run the built CLI and build it when it is missing).
export default defineConfig({
  resolve: {
    alias: {
      '@vigia/core': src('packages/core'),
      '@vigia/stats': src('packages/stats'),
      '@vigia/random': src('packages/random'),
      '@vigia/testing': src('packages/testing'),
      '@vigia/plugin-sources': src('plugins/sources'),
      '@vigia/plugin-sinks': src('plugins/sinks'),
      '@vigia/plugin-drift': src('plugins/drift'),
      '@vigia/plugin-embedders': src('plugins/embedders'),
      '@vigia/plugin-anomaly': src('plugins/anomaly'),
      '@vigia/plugin-llm-metrics': src('plugins/llm-metrics'),
      '@vigia/plugin-bias': src('plugins/bias'),
      '@vigia/plugin-nondeterminism': src('plugins/nondeterminism'),
      '@vigia/plugin-providers': src('plugins/providers'),
      '@vigia/plugin-descriptors': src('plugins/descriptors'),
      '@vigia/plugin-exporters': src('plugins/exporters'),
      '@vigia/monitor': src('packages/monitor'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'plugins/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'plugins/*/test/**/*.test.ts', 'test/**/*.test.ts', 'docs/examples/*/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
