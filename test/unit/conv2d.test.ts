import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conv2dBackward, conv2dBackwardReference, conv2dCost, conv2dForward, conv2dForwardReference, conv2dGeometry } from '../../engine/ops/conv2d';
import { Tensor } from '../../engine/tensor/tensor';
import { dot, numericalGradient, projection, randomTensor, relativeError, toFloat64 } from './helpers';

/** Random conv problems, including 1×1 maps, stride 2, padding larger than 1 and 1×1 kernels. */
const convCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 5 }),
    height: fc.integer({ min: 1, max: 7 }),
    width: fc.integer({ min: 1, max: 7 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer(),
  })
  .filter((c) => c.height + 2 * c.padding >= c.kernel && c.width + 2 * c.padding >= c.kernel);

type ConvCase = typeof convCase extends fc.Arbitrary<infer T> ? T : never;

function setup(c: ConvCase) {
  const x = randomTensor([c.batch, c.inChannels, c.height, c.width], c.seed);
  const w = randomTensor([c.outChannels, c.inChannels, c.kernel, c.kernel], c.seed + 1);
  const b = randomTensor([c.outChannels], c.seed + 2);
  return { x, w, b, opts: { stride: c.stride, padding: c.padding } };
}

describe('conv2d', () => {
  it('reference forward matches a hand-computed example', () => {
    // 1×1×3×3 input, one 2×2 kernel, stride 1, no padding.
    const x = Tensor.from([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const w = Tensor.from([1, 1, 2, 2], [1, 0, 0, -1]);
    const y = conv2dForwardReference(x, w, Tensor.from([1], [10]), { stride: 1, padding: 0 });
    expect(y.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([1 - 5 + 10, 2 - 6 + 10, 4 - 8 + 10, 5 - 9 + 10]);
  });

  it('reference backward equals central finite differences (float64)', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const { x, w, b, opts } = setup(c);
        const x64 = toFloat64(x);
        const w64 = toFloat64(w);
        const b64 = toFloat64(b);
        const yShape = conv2dForwardReference(x64, w64, b64, opts).shape;
        const r = projection(
          yShape.reduce((p, q) => p * q, 1),
          c.seed + 3,
        );
        const loss = () => dot(conv2dForwardReference(x64, w64, b64, opts).data, r);
        const grads = conv2dBackwardReference(x64, w64, { shape: yShape, data: r }, opts);
        expect(relativeError(grads.dx, numericalGradient(x64.data, loss))).toBeLessThan(1e-6);
        expect(relativeError(grads.dw, numericalGradient(w64.data, loss))).toBeLessThan(1e-6);
        expect(relativeError(grads.db, numericalGradient(b64.data, loss))).toBeLessThan(1e-6);
      }),
      { numRuns: 40 },
    );
  });

  it('fast forward and backward (im2col + GEMM) equal the reference', () => {
    fc.assert(
      fc.property(convCase, (c) => {
        const { x, w, b, opts } = setup(c);
        const y = conv2dForward(x, w, b, opts);
        const ref = conv2dForwardReference(x, w, b, opts);
        expect(y.shape).toEqual(ref.shape);
        expect(relativeError(y.data, ref.data)).toBeLessThan(1e-5);

        const dy = randomTensor([...y.shape], c.seed + 4);
        const fast = conv2dBackward(x, w, dy, opts);
        const slow = conv2dBackwardReference(x, w, dy, opts);
        expect(relativeError(fast.dx!.data, slow.dx)).toBeLessThan(1e-5);
        expect(relativeError(fast.dw.data, slow.dw)).toBeLessThan(1e-5);
        expect(relativeError(fast.db.data, slow.db)).toBeLessThan(1e-5);
        expect(conv2dBackward(x, w, dy, opts, false).dx).toBeNull();
      }),
      { numRuns: 150 },
    );
  });

  it('names the op and both shapes when channels disagree', () => {
    const x = new Tensor([1, 3, 8, 8]);
    const w = new Tensor([4, 2, 3, 3]);
    expect(() => conv2dForward(x, w, null, { stride: 1, padding: 0 })).toThrow(
      /conv2d: input \[1, 3, 8, 8\] has 3 channels but weight \[4, 2, 3, 3\] expects 2/,
    );
  });

  it('counts the source model’s forward multiply–accumulates', () => {
    const conv1 = conv2dGeometry([1, 3, 32, 32], [32, 3, 3, 3], { stride: 1, padding: 1 });
    const conv2 = conv2dGeometry([1, 32, 16, 16], [64, 32, 3, 3], { stride: 1, padding: 1 });
    expect(conv2dCost(conv1).macs).toBe(884_736);
    expect(conv2dCost(conv2).macs).toBe(4_718_592);
  });
});
