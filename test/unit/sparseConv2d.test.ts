import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv2dBackwardReference, conv2dCost, conv2dForwardReference, conv2dGeometry } from '../../engine/ops/conv2d';
import { sparseConv2dBackward, sparseConv2dForward, sparseConv2dForwardReference, sparseConv2dPairs } from '../../engine/ops/sparseConv2d';
import { compressActivations } from '../../engine/sparse/compressed';
import { compressWeights } from '../../engine/sparse/weightPattern';
import { activationOmega, weightOmega } from '../../engine/sparse/omega';
import { Tensor } from '../../engine/tensor/tensor';
import { dot, numericalGradient, projection, randomTensor, relativeError, sparseConvCase as sparseCase, sparseConvSetup as setup, toFloat64 } from './helpers';

/** Counts Ω pairs landing on a valid output by brute force over every output and tap. */
function bruteForcePairs(x: Tensor, w: Tensor, stride: number, padding: number): number {
  const g = conv2dGeometry(x.shape, w.shape, { stride, padding });
  let pairs = 0;
  for (let n = 0; n < g.batch; n++)
    for (let k = 0; k < g.outChannels; k++)
      for (let oi = 0; oi < g.outH; oi++)
        for (let oj = 0; oj < g.outW; oj++)
          for (let c = 0; c < g.inChannels; c++)
            for (let m = 0; m < g.kernelH; m++)
              for (let l = 0; l < g.kernelW; l++) {
                const i = oi * stride + m - padding;
                const j = oj * stride + l - padding;
                if (i < 0 || i >= g.height || j < 0 || j >= g.width) continue;
                const xv = x.data[((n * g.inChannels + c) * g.height + i) * g.width + j];
                const wv = w.data[((k * g.inChannels + c) * g.kernelH + m) * g.kernelW + l];
                if (xv !== 0 && wv !== 0) pairs++;
              }
  return pairs;
}

describe('sparse conv2d (regular)', () => {
  it('equals the dense convolution, and counts exactly the Ω pairs that land on an output', () => {
    fc.assert(
      fc.property(sparseCase, (c) => {
        const { x, w, b, opts } = setup(c);
        const dense = conv2dForwardReference(x, w, b, opts);
        const { y, cost } = sparseConv2dForward(x, w, b, opts);
        expect(y.shape).toEqual(dense.shape);
        expect(relativeError(y.data, dense.data)).toBeLessThan(1e-5);
        const ref = sparseConv2dForwardReference(x, w, b, opts);
        expect(relativeError(ref.data, dense.data)).toBeLessThan(1e-12);

        const pairs = bruteForcePairs(x, w, c.stride, c.padding);
        expect(cost.idealMacs).toBe(pairs);
        // With every input and weight nonzero, the ideal count is the dense count without padding taps.
        const full = conv2dCost(conv2dGeometry(x.shape, w.shape, opts));
        const ones = (t: Tensor) => new Tensor(t.shape, new Float32Array(t.size).fill(1));
        expect(bruteForcePairs(ones(x), ones(w), c.stride, c.padding)).toBe(full.macsInsideImage);
        expect(ref.idealMacs).toBe(pairs);
        expect(sparseConv2dPairs(x, w, opts)).toBe(pairs);
        expect(cost.executedMacs).toBe(pairs);
        expect(cost.denseMacs).toBe(conv2dCost(conv2dGeometry(x.shape, w.shape, opts)).macs);
      }),
      { numRuns: 200 },
    );
  });

  it('gradients equal the dense ones at nonzero inputs and weights, and are exactly 0 elsewhere', () => {
    fc.assert(
      fc.property(sparseCase, (c) => {
        const { x, w, b, opts } = setup(c);
        const yShape = conv2dForwardReference(x, w, b, opts).shape;
        const dy = randomTensor(yShape, c.seed + 3);
        const dense = conv2dBackwardReference(x, w, dy, opts);
        const sparse = sparseConv2dBackward(x, w, dy, opts);
        const maskedDx = dense.dx.map((v, i) => (x.data[i] !== 0 ? v : 0));
        const maskedDw = dense.dw.map((v, i) => (w.data[i] !== 0 ? v : 0));
        expect(relativeError(sparse.dx!.data, maskedDx)).toBeLessThan(1e-5);
        expect(relativeError(sparse.dw.data, maskedDw)).toBeLessThan(1e-5);
        expect(relativeError(sparse.db.data, dense.db)).toBeLessThan(1e-5);
        for (let i = 0; i < x.size; i++) if (x.data[i] === 0) expect(sparse.dx!.data[i]).toBe(0);
        for (let i = 0; i < w.size; i++) if (w.data[i] === 0) expect(sparse.dw.data[i]).toBe(0);
        const pairs = bruteForcePairs(x, w, c.stride, c.padding);
        expect(sparse.cost.idealMacs).toBe(2 * pairs);
      }),
      { numRuns: 150 },
    );
  });

  it('the weight-sparse direct kernel equals the dense convolution and its gradients, skipping only zero weights', () => {
    fc.assert(
      fc.property(sparseCase, (c) => {
        const { x, w, b, opts } = setup(c);
        const dense = conv2dForwardReference(x, w, b, opts);
        const { y, cost } = sparseConv2dForward(x, w, b, opts, 'regular', 'weightSparse');
        expect(relativeError(y.data, dense.data)).toBeLessThan(1e-5);
        const g = conv2dGeometry(x.shape, w.shape, opts);
        const nonzeroWeights = w.data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
        const outputs = g.outH * g.outW * g.batch;
        expect(cost.executedMacs).toBe(nonzeroWeights * outputs);
        expect(cost.idealMacs).toBe(bruteForcePairs(x, w, c.stride, c.padding));

        const dy = randomTensor(dense.shape, c.seed + 3);
        const ref = conv2dBackwardReference(x, w, dy, opts);
        const grads = sparseConv2dBackward(x, w, dy, opts, 'regular', true, undefined, 'weightSparse');
        expect(relativeError(grads.dx!.data, ref.dx)).toBeLessThan(1e-5); // the full input gradient
        expect(
          relativeError(
            grads.dw.data,
            ref.dw.map((v, i) => (w.data[i] !== 0 ? v : 0)),
          ),
        ).toBeLessThan(1e-5);
        expect(relativeError(grads.db.data, ref.db)).toBeLessThan(1e-5);
        expect(grads.cost.executedMacs).toBe(2 * nonzeroWeights * outputs);
      }),
      { numRuns: 150 },
    );
  });

  it('all-zero input gives the bias everywhere and costs nothing', () => {
    const x = new Tensor([1, 2, 4, 4]);
    const w = randomTensor([3, 2, 3, 3], 1);
    const b = Tensor.from([3], [0.5, -1, 2]);
    const { y, cost } = sparseConv2dForward(x, w, b, { stride: 1, padding: 1 });
    expect(Array.from(y.data.subarray(16, 32))).toEqual(new Array(16).fill(-1));
    expect(cost.executedMacs).toBe(0);
    expect(cost.denseMacs).toBe(3 * 16 * 2 * 9);
  });
});

describe('sparse conv2d (submanifold)', () => {
  const subCase = fc.record({
    inChannels: fc.integer({ min: 1, max: 3 }),
    outChannels: fc.integer({ min: 1, max: 4 }),
    size: fc.integer({ min: 1, max: 7 }),
    kernel: fc.constantFrom(1, 3, 5),
    inputZeros: fc.constantFrom(0, 0.6, 0.95, 1),
    weightZeros: fc.constantFrom(0, 0.5, 1),
    seed: fc.integer(),
  });

  it('outputs only at active input sites, where it equals the dense convolution; Ω stays put', () => {
    fc.assert(
      fc.property(subCase, (c) => {
        const x = randomTensor([2, c.inChannels, c.size, c.size], c.seed, c.inputZeros);
        const w = randomTensor([c.outChannels, c.inChannels, c.kernel, c.kernel], c.seed + 1, c.weightZeros);
        const b = randomTensor([c.outChannels], c.seed + 2);
        const opts = { stride: 1, padding: (c.kernel - 1) / 2 };
        const dense = conv2dForwardReference(x, w, b, opts);
        const { y } = sparseConv2dForward(x, w, b, opts, 'submanifold');
        const omega = activationOmega(x);
        const plane = c.size * c.size;
        const active = new Set<number>();
        omega.perChannel.forEach((list, nc) => list.forEach((p) => active.add(Math.floor(nc / c.inChannels) * plane + p)));
        const expected = dense.data.map((v, idx) => {
          const n = Math.floor(idx / (c.outChannels * plane));
          return active.has(n * plane + (idx % plane)) ? v : 0;
        });
        expect(relativeError(y.data, expected)).toBeLessThan(1e-5);
        const ref = sparseConv2dForwardReference(x, w, b, opts, 'submanifold');
        expect(relativeError(ref.data, expected)).toBeLessThan(1e-12);
        // No new active sites: the output's sites are a subset of the input's.
        const out = activationOmega(y);
        expect(out.activeSites).toBeLessThanOrEqual(omega.activeSites);
      }),
      { numRuns: 150 },
    );
  });

  it('reference gradients equal finite differences at nonzero inputs and weights (float64)', () => {
    fc.assert(
      fc.property(subCase, (c) => {
        const x = toFloat64(randomTensor([1, c.inChannels, c.size, c.size], c.seed, c.inputZeros));
        const w = toFloat64(randomTensor([c.outChannels, c.inChannels, c.kernel, c.kernel], c.seed + 1, c.weightZeros));
        const opts = { stride: 1, padding: (c.kernel - 1) / 2 };
        const r = projection(c.outChannels * c.size * c.size, c.seed + 3);
        const loss = () => dot(sparseConv2dForwardReference(x, w, null, opts, 'submanifold').data, r);
        const numericX = numericalGradient(x.data, loss);
        const numericW = numericalGradient(w.data, loss);
        const fast = sparseConv2dBackward(
          new Tensor(x.shape, Float32Array.from(x.data)),
          new Tensor(w.shape, Float32Array.from(w.data)),
          Tensor.from([1, c.outChannels, c.size, c.size], r),
          opts,
          'submanifold',
        );
        // Perturbing a zero input would create a new active site, so compare only on Ω.
        const onX = (v: number, i: number) => (x.data[i] !== 0 ? v : 0);
        const onW = (v: number, i: number) => (w.data[i] !== 0 ? v : 0);
        expect(relativeError(fast.dx!.data, numericX.map(onX))).toBeLessThan(1e-4);
        expect(relativeError(fast.dw.data, numericW.map(onW))).toBeLessThan(1e-4);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses strides and paddings that would move the output sites', () => {
    const x = new Tensor([1, 1, 6, 6]);
    const w = new Tensor([1, 1, 3, 3]);
    expect(() => sparseConv2dForward(x, w, null, { stride: 2, padding: 1 }, 'submanifold')).toThrow(/submanifold mode .* needs stride 1 and "same" padding/);
  });
});

describe('Ω and compressed formats', () => {
  it('reports nonzero positions, element and site density', () => {
    // Image 0: channel 0 has (0,1); channel 1 has (0,1) and (1,0). Image 1: nothing.
    const x = Tensor.from([2, 2, 2, 2], [0, 3, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const omega = activationOmega(x);
    expect(omega.perChannel.map((l) => Array.from(l))).toEqual([[1], [1, 2], [], []]);
    expect(omega.nonzeros).toBe(3);
    expect(omega.elementDensity).toBeCloseTo(3 / 16);
    expect(omega.activeSites).toBe(2);
    expect(omega.siteDensity).toBeCloseTo(2 / 8);
    const compressed = compressActivations(x, 0);
    expect(Array.from(compressed.offsets)).toEqual([0, 1, 3]);
    expect(Array.from(compressed.positions.subarray(0, 3))).toEqual([1, 1, 2]);
    expect(Array.from(compressed.values.subarray(0, 3))).toEqual([3, 1, 2]);
  });

  it('groups weights by input channel and tap', () => {
    // w[k, c, m, l] for K = 2, C = 1, 1×2 kernel: w[0] = [1, 0], w[1] = [2, 3].
    const w = Tensor.from([2, 1, 1, 2], [1, 0, 2, 3]);
    const cw = compressWeights(w);
    expect(Array.from(cw.offsets)).toEqual([0, 2, 3]); // tap 0: k = 0, 1; tap 1: k = 1
    expect(Array.from(cw.outChannel)).toEqual([0, 1, 1]);
    expect(Array.from(cw.values)).toEqual([1, 2, 3]);
    expect(Array.from(cw.denseIndex)).toEqual([0, 2, 3]);
    const omega = weightOmega(w);
    expect(omega.taps.map((t) => Array.from(t))).toEqual([[0], [0, 1]]);
    expect(omega.density).toBe(0.75);
  });
});
