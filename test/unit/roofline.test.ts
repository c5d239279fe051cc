import { describe, expect, it } from 'vitest';
import type { Backend } from '../../engine/backend/backend';
import { cpuBackend } from '../../engine/backend/cpu/cpuBackend';
import { CostLab } from '../../engine/cost/costLab';
import { traceBatch } from '../../engine/cost/layerCost';
import { attainableGflops, kernelBytes, measureLayerRoofline, measureRoof, ridgeIntensity } from '../../engine/cost/roofline';
import { makeBatch } from '../../engine/data/batch';
import { randomImageSet } from '../../engine/data/cifar10';
import { Model } from '../../engine/model/model';
import { defaultPrunedLayers, pruneHiddenLayers } from '../../engine/model/prunedLayers';
import { PRESETS } from '../../engine/model/spec';
import { conv2dCost, conv2dGeometry } from '../../engine/ops/conv2d';
import { linearCost } from '../../engine/ops/linear';
import { sparseConv2dPairs } from '../../engine/ops/sparseConv/pairs';
import { compressedView, weightPattern } from '../../engine/sparse/weightPattern';
import { createWasmBackend } from '../../scripts/lib/wasmKernels';

const QUICK = { minMs: 0, minRepeats: 1 };
const images = randomImageSet(4);
const batch = makeBatch(images, [0, 1, 2, 3]);

describe('the roofline', () => {
  it('bytes a kernel must move: compressed where it reads compressed, the output dense', () => {
    const input = { shape: [2, 3, 4, 4], nonzeros: 10 };
    const weights = { dense: 400, compressed: 90 };
    // Dense: 96 input values, the dense weights, 50 output values.
    expect(kernelBytes('dense', input, weights, 50)).toBe(4 * 96 + 400 + 4 * 50);
    expect(kernelBytes('weightSparse', input, weights, 50)).toBe(4 * 96 + 90 + 4 * 50);
    expect(kernelBytes('csr', input, weights, 50)).toBe(4 * 96 + 90 + 4 * 50);
    // Cartesian: per image C + 1 offsets, and a value and a position per nonzero.
    expect(kernelBytes('cartesian', input, weights, 50)).toBe(4 * 2 * 4 + 8 * 10 + 90 + 4 * 50);
  });

  for (const [name, backend] of [
    ['js', async () => cpuBackend as unknown as Backend],
    ['wasm', async () => (await createWasmBackend()) as unknown as Backend],
  ] as const) {
    it(`${name}: a roof, and each layer's kernels placed by the counts the engine makes`, async () => {
      const b = await backend();
      const roof = await measureRoof(b, QUICK, 1 << 20);
      expect(roof.peakGflops).toBeGreaterThan(0);
      expect(roof.bandwidthGBs).toBeGreaterThan(0);
      expect(ridgeIntensity(roof)).toBeCloseTo(roof.peakGflops / roof.bandwidthGBs, 10);
      expect(attainableGflops(roof, 1e-6)).toBeCloseTo(roof.bandwidthGBs * 1e-6, 10);
      expect(attainableGflops(roof, 1e6)).toBe(roof.peakGflops);

      const model = new Model(PRESETS.tiny, 3);
      pruneHiddenLayers(model, 0.9);
      const trace = await traceBatch(model, batch.x, batch.labels);
      const points = await measureLayerRoofline(b, model, trace, 0.9, QUICK);
      const kernels = { conv2d: ['dense', ...b.sparseConvKernels], linear: ['dense', 'csr'] };
      const weighted = model.weightedLayers();
      expect(points.map((p) => `${p.layer}:${p.kernel}`)).toEqual(
        weighted.flatMap((l) => kernels[l.spec.type as 'conv2d' | 'linear'].map((k) => `${l.name}:${k}`)),
      );
      for (const layer of weighted) {
        const i = model.layers.indexOf(layer);
        const x = trace.inputs[i];
        const w = layer.weight.value;
        const pattern = weightPattern(w.shape, w.data);
        const at = (kernel: string) => points.find((p) => p.layer === layer.name && p.kernel === kernel)!;
        expect(at('dense').weightDensity).toBeCloseTo(pattern.nonzeros / w.size, 10);
        for (const p of points.filter((q) => q.layer === layer.name)) {
          expect(p.intensity).toBeCloseTo(p.flops / p.bytes, 10);
          expect(p.gflops).toBeCloseTo(p.flops / p.ms / 1e6, 6);
          expect(p.ms).toBeGreaterThan(0);
        }
        if (layer.spec.type === 'conv2d') {
          const conv = { stride: 1, padding: 1 };
          const g = conv2dGeometry(x.shape, w.shape, conv);
          expect(at('dense').flops).toBe(2 * conv2dCost(g).macs);
          // The Cartesian product multiplies exactly Ω's pairs; the weight-sparse kernel every kept weight everywhere.
          if (b.sparseConvKernels.includes('cartesian')) expect(at('cartesian').flops).toBe(2 * sparseConv2dPairs(x, compressedView(pattern, null), conv));
          expect(at('weightSparse').flops).toBe(2 * pattern.nonzeros * g.outH * g.outW * g.batch);
        } else {
          expect(at('dense').flops).toBe(2 * linearCost(x.shape[0], w.shape[1], w.shape[0]).macs);
          expect(at('csr').flops).toBe(2 * pattern.nonzeros * x.shape[0]);
        }
      }
    });
  }

  it('more zeros push a pruned layer’s sparse kernel down the memory slope: fewer FLOPs per byte', async () => {
    const lab = new CostLab(
      async () => null,
      async () => ({ backend: await createWasmBackend() }),
    );
    const result = await lab.roofline({ preset: 'tiny', prunes: [0.5, 0.95], batch: 4, backend: 'wasm', timing: QUICK }, () => {});
    expect(result.stopped).toBe(false);
    // The roof is the best dense kernel's speed: no dense kernel above it.
    for (const p of result.points.filter((q) => q.kernel === 'dense')) expect(p.gflops).toBeLessThanOrEqual(result.roof.peakGflops);
    for (const layer of defaultPrunedLayers(PRESETS.tiny)) {
      for (const kernel of ['weightSparse', 'csr']) {
        const at = (prune: number) => result.points.find((p) => p.layer === layer && p.kernel === kernel && p.prune === prune);
        if (!at(0.5)) continue;
        expect(at(0.95)!.intensity).toBeLessThan(at(0.5)!.intensity / 2);
      }
      // The dense kernel does the same work whatever the zeros.
      const dense = result.points.filter((p) => p.layer === layer && p.kernel === 'dense');
      expect(dense).toHaveLength(2);
      expect(dense[0].flops).toBe(dense[1].flops);
    }
  });
});
