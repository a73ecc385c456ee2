import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText, planFromFile, Registry } from '../src/index.js';
import { tempConfig, testPlugin } from './helpers.js';

const registry = () => new Registry([testPlugin]);
const data = `data:\n  current: { use: inline, with: { records: [{ x: 1 }] } }\n  reference: { use: inline, with: { records: [{ x: 1 }] } }\n`;

async function configError(text: string, name?: string): Promise<ConfigError> {
  const file = tempConfig(text, name);
  try {
    await planFromFile(file, registry());
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a config error');
}

describe('config loading', () => {
  it('reports a YAML syntax error with its line and column', async () => {
    const e = await configError('version: 1\ndata:\n  current: { use: inline\n');
    expect(e.code).toBe('VIGIA_CONFIG_SYNTAX');
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/vigia\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports a JSON syntax error with its line', async () => {
    const e = await configError('{\n  "version": 1,\n  "data": {,}\n}', 'c.json');
    expect(e.code).toBe('VIGIA_CONFIG_SYNTAX');
    expect(e.message).toMatch(/c\.json:3:\d+: JSON syntax error/);
  });

  it('says when the config file does not exist', () => {
    expect(() => loadConfigFile('/nonexistent/vigia.yaml')).toThrow(/config file not found: \/nonexistent\/vigia\.yaml/);
  });

  it('names the JSON path and line of an option of the wrong type', async () => {
    const e = await configError(`version: 1\n${data}detectors:\n  - id: a\n    use: mean-above\n    with: { field: x }\n  - id: b\n    use: mean-above\n    with: { field: x, threshold: high }\n`);
    expect(e.code).toBe('VIGIA_CONFIG_INVALID');
    expect(e.message).toMatch(/vigia\.yaml:11: \/detectors\/1\/with\/threshold must be number/);
  });

  it('rejects unknown options', async () => {
    const e = await configError(`version: 1\n${data}detectors:\n  - use: mean-above\n    with: { field: x, treshold: 1 }\n`);
    expect(e.message).toContain('/detectors/0/with/treshold is not a known option');
  });

  it('suggests the closest name for an unknown component and lists the installed ones', async () => {
    const e = await configError(`version: 1\n${data}detectors:\n  - use: mean-abov\n    with: { field: x }\n`);
    expect(e.code).toBe('VIGIA_UNKNOWN_COMPONENT');
    expect(e.message).toContain('no detector "mean-abov"; did you mean "mean-above"?');
    expect(e.message).toContain('Installed detectors: embeds, hangs, mean-above, needs-ref, p-value, throws');
  });

  it('checks that an `embedder` option names a configured embedder', async () => {
    const e = await configError(`version: 1\n${data}detectors:\n  - use: embeds\n    with: { embedder: words }\n`);
    expect(e.message).toMatch(/\/detectors\/0\/with\/embedder names embedder "words", but the config has no embedders:/);
  });

  it('rejects duplicate detector ids', async () => {
    const e = await configError(`version: 1\n${data}detectors:\n  - { id: same, use: mean-above, with: { field: x } }\n  - { id: same, use: throws }\n`);
    expect(e.message).toMatch(/\/detectors\/1\/id "same" is also the id of \/detectors\/0/);
  });

  it('rejects unknown top-level keys and a wrong version', async () => {
    expect((await configError(`version: 2\n${data}`)).message).toContain('/version must be 1');
    expect((await configError(`version: 1\n${data}detector: []\n`)).message).toContain('/detector is not a known option');
  });

  it('checks that datasets a detector needs exist', async () => {
    const e = await configError(`version: 1\ndata:\n  current: { use: inline, with: { records: [] } }\ndetectors:\n  - use: needs-ref\n`);
    expect(e.message).toContain('compares against a reference dataset, but data has no "reference"');
  });

  it('interpolates environment variables and keeps them out of the way', () => {
    const loaded = parseConfigText(`version: 1\nname: \${env:RUN_NAME}\ndata: {}\n`, { file: '/tmp/x.yaml', env: { RUN_NAME: 'nightly' } });
    expect(loaded.config.name).toBe('nightly');
    expect(loaded.secrets).toEqual(['nightly']);
    expect(() => parseConfigText('version: 1\nname: ${env:NOPE_NOT_SET}\n', { file: '/tmp/x.yaml', env: {} })).toThrow(/\/name uses \$\{env:NOPE_NOT_SET\}/);
    expect(parseConfigText('version: 1\nname: ${env:NOPE:-dflt}\n', { file: '/tmp/x.yaml', env: {} }).config.name).toBe('dflt');
  });

  it('fills defaults: seed, correction, detector ids', async () => {
    const plan = await planFromFile(tempConfig(`version: 1\n${data}detectors:\n  - use: mean-above\n    with: { field: x }\n`), registry());
    expect(plan.config.seed).toBe(42);
    expect(plan.config.correction).toBe('none');
    expect(plan.detectors[0]!.id).toBe('mean-above');
    expect(plan.detectors[0]!.options).toEqual({ field: 'x', threshold: 0 });
  });
});
