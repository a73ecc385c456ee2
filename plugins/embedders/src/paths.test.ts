import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptionPath } from './paths.js';

describe('resolveOptionPath', () => {
  const fromConfig = (p: string) => resolve('/configs', p);
  it('expands ~ to the home directory and resolves the rest against the config', () => {
    expect(resolveOptionPath('~/.cache/vigia/x.wv1', fromConfig)).toBe(join(homedir(), '.cache/vigia/x.wv1'));
    expect(resolveOptionPath('~', fromConfig)).toBe(homedir());
    expect(resolveOptionPath('./models/m', fromConfig)).toBe(resolve('/configs/models/m'));
    expect(resolveOptionPath('/abs/m', fromConfig)).toBe('/abs/m');
  });
});
