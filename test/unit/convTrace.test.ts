import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sparseConv2dForward, sparseConv2dPairs } from '../../engine/ops/sparseConv2d';
import { conv2dBackwardReference, conv2dCost, conv2dGeometry } from '../../engine/ops/conv2d';
import { traceConv2d, traceConv2dBackward } from '../../engine/trace/convTrace';
import { tracePool } from '../../engine/trace/poolTrace';
import { buildConvOperands, buildConvScene, shrinkImage } from '../../engine/trace/convScene';
import { convSceneProblem, DEFAULT_CONV_SCENE } from '../../engine/trace/convSceneParams';
import { randomTensor, relativeError } from './helpers';

describe('convolution traces for the step-through', () => {
  it('play back to the engine’s output, and count what the engine counts', () => {
    fc.assert(
      fc.property(
        fc.record({
          C: fc.integer({ min: 1, max: 3 }),
          K: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 1, max: 8 }),
          W: fc.integer({ min: 1, max: 8 }),
          k: fc.constantFrom(1, 3),
          stride: fc.integer({ min: 1, max: 2 }),
          padding: fc.integer({ min: 0, max: 1 }),
          submanifold: fc.boolean(),
          xZeros: fc.constantFrom(0, 0.6, 1),
          wZeros: fc.constantFrom(0, 0.7),
          seed: fc.integer({ min: 0, max: 1e6 }),
        }),
        ({ C, K, H, W, k, stride, padding, submanifold, xZeros, wZeros, seed }) => {
          const opts = submanifold ? { stride: 1, padding: (k - 1) / 2 } : { stride, padding };
          fc.pre(H + 2 * opts.padding >= k && W + 2 * opts.padding >= k);
          const mode = submanifold ? 'submanifold' : 'regular';
          const x = randomTensor([1, C, H, W], seed, xZeros);
          const w = randomTensor([K, C, k, k], seed + 1, wZeros);
          const b = randomTensor([K], seed + 2);
          const trace = traceConv2d(x, w, b, opts, mode);
          const engine = sparseConv2dForward(x, w, b, opts, mode);
          expect(relativeError(trace.y, engine.y.data)).toBeLessThan(1e-5);
          // Step counts are the engine's counters.
          expect(trace.counts.denseMacs).toBe(conv2dCost(conv2dGeometry(x.shape, w.shape, opts)).macs);
          expect(trace.counts.idealMacs).toBe(engine.cost.idealMacs);
          if (!submanifold) expect(trace.counts.idealMacs).toBe(sparseConv2dPairs(x, w, opts));
          expect(trace.sparse.output.length).toBe(trace.counts.idealMacs);
          // The dense order marks exactly the sparse order's pairs as in Ω; summing either gives the output.
          const marked = trace.dense.inOmega.reduce((n, v) => n + v, 0);
          expect(marked).toBe(trace.counts.idealMacs);
          const fromDense = new Float64Array(trace.y.length);
          for (let s = 0; s < trace.dense.output.length; s++) if (trace.dense.inOmega[s]) fromDense[trace.dense.output[s]] += trace.dense.product[s];
          const fromSparse = new Float64Array(trace.y.length);
          for (let s = 0; s < trace.sparse.output.length; s++) fromSparse[trace.sparse.output[s]] += trace.sparse.product[s];
          expect(relativeError(fromDense, fromSparse)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a batch and explains why', () => {
    expect(() => traceConv2d(randomTensor([2, 1, 4, 4], 1), randomTensor([1, 1, 3, 3], 2), null, { stride: 1, padding: 1 })).toThrow(
      'traces one image, got a batch of 2',
    );
  });
});

describe('pool traces', () => {
  it('lay out the engine’s pools: winners, Ω per window, empty windows, and the counters', () => {
    const x = randomTensor([1, 2, 6, 6], 3, 0.6);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.max(0, Math.round(x.data[i])); // ReLU'd, with ties
    const trace = tracePool(x, { kernelSize: 2, stride: 2 });
    expect(trace.windows).toHaveLength(2 * 3 * 3);
    expect(trace.counts.denseExamined).toBe(18 * 4);
    expect(trace.counts.sparseExamined).toBe(trace.windows.reduce((n, w) => n + w.nonzero.length, 0));
    for (const w of trace.windows) {
      expect(w.sparseValue).toBe(w.denseValue); // equal on ReLU outputs
      if (w.nonzero.length === 0) expect(w.sparseWinner).toBe(-1);
      else {
        expect(w.sparseWinner).toBe(w.denseWinner); // ties: the first in window order, both
        expect(x.data[w.sparseWinner]).toBe(Math.max(...w.elements.map((e) => x.data[e])));
      }
    }
    expect(trace.counts.emptyWindows).toBe(trace.windows.filter((w) => w.nonzero.length === 0).length);
  });
});

describe('backward traces', () => {
  it('compute ∂x only at nonzero inputs and ∂w only at unpruned weights, matching the dense gradients there', () => {
    const x = randomTensor([1, 2, 6, 6], 8, 0.5);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.max(0, x.data[i]); // a ReLU's output
    const w = randomTensor([3, 2, 3, 3], 9, 0.7);
    const dy = randomTensor([1, 3, 6, 6], 10);
    const opts = { stride: 1, padding: 1 };
    const trace = traceConv2dBackward(x, w, dy, opts);
    const dense = conv2dBackwardReference(x, w, dy, opts);
    for (let i = 0; i < x.size; i++) {
      expect(trace.dxComputed[i]).toBe(x.data[i] !== 0 ? 1 : 0);
      if (trace.dxComputed[i]) expect(trace.dx[i]).toBeCloseTo(dense.dx[i], 4);
      else expect(trace.dx[i]).toBe(0);
    }
    for (let i = 0; i < w.size; i++) {
      if (trace.dwComputed[i]) expect(trace.dw[i]).toBeCloseTo(dense.dw[i], 4);
      else expect(trace.dw[i]).toBe(0);
    }
    expect(trace.counts.sparseMacs).toBe(2 * sparseConv2dPairs(x, w, opts));
    expect(trace.counts.denseMacs).toBe(2 * conv2dCost(conv2dGeometry(x.shape, w.shape, opts)).macs);
    expect(trace.counts.skipped).toBe(trace.counts.denseMacs - trace.counts.sparseMacs);
  });
});

describe('the step-through scene with two input channels', () => {
  // A picture whose red and blue halves differ, so that the two channels' maps differ.
  const image = new Uint8Array(3072);
  for (let p = 0; p < 1024; p++) {
    image[p] = p % 32 < 16 ? 230 : 20; // red: left half
    image[1024 + p] = 90;
    image[2048 + p] = Math.floor(p / 32) < 16 ? 230 : 20; // blue: top half
  }
  const params = { ...DEFAULT_CONV_SCENE, channels: 2 };

  it('reads channel 1 from the red and channel 2 from the blue, each thresholded', () => {
    const { x, w } = buildConvOperands(image, params);
    expect(x.shape).toEqual([1, 2, 8, 8]);
    expect(w.shape).toEqual([2, 2, 3, 3]);
    const red = shrinkImage(image, 8, [0]);
    const blue = shrinkImage(image, 8, [2]);
    for (let p = 0; p < 64; p++) {
      expect(x.data[p]).toBeCloseTo(red[p] >= params.threshold ? red[p] : 0, 2);
      expect(x.data[64 + p]).toBeCloseTo(blue[p] >= params.threshold ? blue[p] : 0, 2);
    }
  });

  it('pairs an input only with the weights of its own channel, and plays back to the engine’s output', () => {
    const scene = buildConvScene(image, params);
    const { sparse, dense } = scene.trace;
    expect(sparse.output.length).toBeGreaterThan(0);
    for (let s = 0; s < sparse.output.length; s++) expect(Math.floor(sparse.input[s] / 64)).toBe(Math.floor(sparse.weight[s] / 9) % 2);
    for (let s = 0; s < dense.output.length; s++) if (dense.input[s] >= 0) expect(Math.floor(dense.input[s] / 64)).toBe(Math.floor(dense.weight[s] / 9) % 2);
    expect(relativeError(scene.trace.y, scene.engineY)).toBeLessThan(1e-6);
    // One channel's scene is the two-channel scene's first channel alone: the same picture in grey.
    expect(buildConvScene(image, { ...params, channels: 1 }).x.shape).toEqual([1, 1, 8, 8]);
  });

  it('refuses another number of channels, naming it', () => {
    expect(convSceneProblem({ ...params, channels: 3 })).toBe('the number of input channels must be 1 or 2 (got 3)');
  });
});
