import { describe, it } from 'vitest';
import { testPlugin } from '@vigia/testing';
import plugin from './index.js';

testPlugin(plugin, {
  console: { options: { stream: 'stderr' } },
  json: { options: { path: 'out/report.json' } },
  junit: { options: { path: 'out/junit.xml' } },
}, { describe, it });
