import { describe, expect, it } from 'vitest';
import { createRandom } from '@vigia/stats';
import { runDetector } from '@vigia/testing';
import { layerDrift } from './layer-drift.js';

function records(n: number, seed: number, shift: { mean?: number; vec?: number } = {}) {
  const r = createRandom(seed);
  return Array.from({ length: n }, () => ({
    layers: {
      'h0.mean': r.normal(),
      'h1.mean': r.normal() + (shift.mean ?? 0),
      h2: Array.from({ length: 6 }, (_, j) => r.normal() + (j === 0 ? (shift.vec ?? 0) : 0)),
    },
  }));
}

describe('layer-drift', () => {
  it('ranks the layer that moved first, with BH-adjusted p-values', async () => {
    const r = await runDetector(layerDrift, { seed: 1 }, { reference: records(200, 1), current: records(200, 2, { mean: 0.6 }) });
    expect(r.status).toBe('fail');
    const layers = r.details!.layers as { layer: string; kind: string; pAdjusted: number; pValue: number; drifted: boolean }[];
    expect(layers[0]!.layer).toBe('h1.mean');
    expect(layers[0]!.kind).toBe('scalar');
    expect(layers[0]!.pAdjusted).toBeGreaterThanOrEqual(layers[0]!.pValue);
    expect(layers.filter((l) => l.drifted).map((l) => l.layer)).toEqual(['h1.mean']);
  });

  it('tests vector layers with MMD or pca-ks and passes a null pair', async () => {
    for (const vectorMethod of ['mmd', 'pca-ks']) {
      const r = await runDetector(layerDrift, { seed: 1, vectorMethod, pca: 6 }, { reference: records(150, 3), current: records(150, 4, { vec: 1 }) });
      expect((r.details!.layers as { layer: string }[])[0]!.layer).toBe('h2');
      expect(r.status).toBe('fail');
    }
    const none = await runDetector(layerDrift, { seed: 1 }, { reference: records(150, 5), current: records(150, 6) });
    expect(none.status).toBe('pass');
  });

  it('names the dataset on missing layers and ragged vectors', async () => {
    expect(await runDetector(layerDrift, {}, { reference: [{ x: 1 }], current: [{ x: 1 }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/no layers found.*"reference"/) });
    expect(await runDetector(layerDrift, {}, { reference: [{ layers: { a: [1, 2] } }, { layers: { a: [1, 3] } }], current: [{ layers: { a: [1] } }] })).toMatchObject({ status: 'error', message: expect.stringMatching(/dataset "current".*record 1.*1 values/) });
  });
});
