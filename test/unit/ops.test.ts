import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenBackward, flattenForward } from '../../engine/ops/flatten';
import { linearBackward, linearBackwardReference, linearBackwardTopK, linearForward, linearForwardReference } from '../../engine/ops/linear';
import { maxPool2dBackward, maxPool2dBackwardReference, maxPool2dForward, maxPool2dForwardReference } from '../../engine/ops/maxPool2d';
import { reluBackward, reluBackwardArray, reluForward, reluForwardArray } from '../../engine/ops/relu';
import { softmaxCrossEntropy, softmaxCrossEntropyReference } from '../../engine/ops/softmaxCrossEntropy';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';
import { dot, numericalGradient, projection, randomTensor, relativeError, toFloat64 } from './helpers';

describe('relu', () => {
  it('forward clamps negatives; backward equals finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer(), (size, seed) => {
        const x = toFloat64(randomTensor([size], seed));
        const r = projection(size, seed + 1);
        const loss = (v: Float64Array) => dot(reluForwardArray(v), r);
        expect(relativeError(reluBackwardArray(x.data, r), numericalGradient(x.data, loss))).toBeLessThan(1e-6);
        const x32 = randomTensor([size], seed);
        const y = reluForward(x32);
        expect(Array.from(y.data)).toEqual(Array.from(x32.data, (v) => Math.max(0, v)));
        const dy = Tensor.from([size], r);
        const dx = reluBackward(x32, dy);
        expect(Array.from(dx.data)).toEqual(Array.from(dy.data, (g, i) => (x32.data[i] > 0 ? g : 0)));
      }),
    );
  });
});

describe('maxPool2d', () => {
  const poolCase = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 9 }),
      w: fc.integer({ min: 1, max: 9 }),
      kernelSize: fc.integer({ min: 1, max: 3 }),
      stride: fc.integer({ min: 1, max: 3 }),
      seed: fc.integer(),
    })
    .filter((p) => p.h >= p.kernelSize && p.w >= p.kernelSize);

  it('reference backward equals finite differences; fast path equals reference', () => {
    fc.assert(
      fc.property(poolCase, (p) => {
        const opts = { kernelSize: p.kernelSize, stride: p.stride };
        const x = randomTensor([p.n, p.c, p.h, p.w], p.seed);
        const x64 = toFloat64(x);
        const ref = maxPool2dForwardReference(x64, opts);
        const r = projection(ref.data.length, p.seed + 1);
        const loss = (v: Float64Array) => dot(maxPool2dForwardReference({ shape: x64.shape, data: v }, opts).data, r);
        const dxRef = maxPool2dBackwardReference(x.shape, ref.argmax, r);
        expect(relativeError(dxRef, numericalGradient(x64.data, loss))).toBeLessThan(1e-6);

        const fast = maxPool2dForward(x, opts);
        expect(fast.y.shape).toEqual(ref.shape);
        expect(relativeError(fast.y.data, ref.data)).toBe(0);
        expect(Array.from(fast.argmax)).toEqual(Array.from(ref.argmax));
        const dx = maxPool2dBackward(x.shape, fast.argmax, Tensor.from(ref.shape, r));
        expect(relativeError(dx.data, dxRef)).toBeLessThan(1e-6);
      }),
      { numRuns: 150 },
    );
  });

  it('sends a tie to the first element in window order, zero windows included', () => {
    // 2×2 windows: [5 5; 1 5] → the top-left 5; [0 0; 0 0] → the top-left 0.
    const x = Tensor.from([1, 1, 2, 4], [5, 5, 0, 0, 1, 5, 0, 0]);
    const fast = maxPool2dForward(x, { kernelSize: 2, stride: 2 });
    const ref = maxPool2dForwardReference(x, { kernelSize: 2, stride: 2 });
    for (const { data, argmax } of [{ data: fast.y.data, argmax: fast.argmax }, ref]) {
      expect(Array.from(data)).toEqual([5, 0]);
      expect(Array.from(argmax)).toEqual([0, 2]);
    }
  });
});

describe('linear', () => {
  it('reference backward equals finite differences; fast path equals reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 7 }), fc.integer(), (batch, inF, outF, seed) => {
        const x = randomTensor([batch, inF], seed);
        const w = randomTensor([outF, inF], seed + 1);
        const b = randomTensor([outF], seed + 2);
        const [x64, w64, b64] = [x, w, b].map(toFloat64);
        const r = projection(batch * outF, seed + 3);
        const loss = () => dot(linearForwardReference(x64, w64, b64).data, r);
        const g = linearBackwardReference(x64, w64, { shape: [batch, outF], data: r });
        expect(relativeError(g.dx, numericalGradient(x64.data, loss))).toBeLessThan(1e-6);
        expect(relativeError(g.dw, numericalGradient(w64.data, loss))).toBeLessThan(1e-6);
        expect(relativeError(g.db, numericalGradient(b64.data, loss))).toBeLessThan(1e-6);

        expect(relativeError(linearForward(x, w, b).data, linearForwardReference(x, w, b).data)).toBeLessThan(1e-5);
        const fast = linearBackward(x, w, Tensor.from([batch, outF], r));
        expect(relativeError(fast.dx!.data, g.dx)).toBeLessThan(1e-5);
        expect(relativeError(fast.dw.data, g.dw)).toBeLessThan(1e-5);
        expect(relativeError(fast.db.data, g.db)).toBeLessThan(1e-5);
      }),
      { numRuns: 100 },
    );
  });

  it('names the op and both shapes on a mismatch', () => {
    expect(() => linearForward(new Tensor([2, 5]), new Tensor([3, 4]), null)).toThrow(/linear: input \[2, 5\] has 5 features but weight \[3, 4\] expects 4/);
  });
});

describe('softmax cross-entropy', () => {
  it('reference gradient equals finite differences; fast path equals reference', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 10 }), fc.integer(), (batch, classes, seed) => {
        const rng = new Prng(seed);
        const logits = randomTensor([batch, classes], seed);
        const labels = Array.from({ length: batch }, () => rng.int(classes));
        const z = toFloat64(logits);
        const ref = softmaxCrossEntropyReference(z, labels);
        const numeric = numericalGradient(z.data, (v) => softmaxCrossEntropyReference({ shape: z.shape, data: v }, labels).loss);
        expect(relativeError(ref.dlogits, numeric)).toBeLessThan(1e-6);

        const fast = softmaxCrossEntropy(logits, labels);
        expect(Math.abs(fast.loss - ref.loss)).toBeLessThan(1e-5 * Math.max(1, ref.loss));
        expect(relativeError(fast.dlogits.data, ref.dlogits)).toBeLessThan(1e-6);
        expect(relativeError(fast.probs.data, ref.probs)).toBeLessThan(1e-6);
      }),
    );
  });

  it('stays finite for huge logits and rejects labels out of range', () => {
    const r = softmaxCrossEntropy(Tensor.from([1, 3], [1000, -1000, 0]), [1]);
    expect(r.loss).toBeCloseTo(2000, 3);
    expect(() => softmaxCrossEntropy(new Tensor([1, 3]), [3])).toThrow(/label 3 at position 0 is outside 0…2/);
  });
});

describe('flatten', () => {
  it('is a reshape both ways', () => {
    const x = randomTensor([2, 3, 2, 2], 1);
    const y = flattenForward(x);
    expect(y.shape).toEqual([2, 12]);
    expect(y.data).toBe(x.data);
    expect(flattenBackward(x.shape, y).shape).toEqual([2, 3, 2, 2]);
  });
});

describe('linear backward, top-k (meProp)', () => {
  it('equals the dense backward of dy with all but each row’s k largest |dy| zeroed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (batch, inF, outF, k, seed) => {
          const x = randomTensor([batch, inF], seed);
          const w = randomTensor([outF, inF], seed + 1);
          const dy = randomTensor([batch, outF], seed + 2);
          const masked = dy.clone();
          for (let n = 0; n < batch; n++) {
            const row = Array.from(dy.data.subarray(n * outF, (n + 1) * outF), (v, o) => ({ v: Math.abs(v), o }));
            row.sort((a, b) => b.v - a.v || a.o - b.o);
            for (const { o } of row.slice(k)) masked.data[n * outF + o] = 0;
          }
          const ref = linearBackwardReference(x, w, masked);
          const topk = linearBackwardTopK(x, w, dy, k);
          expect(relativeError(topk.dw.data, ref.dw)).toBeLessThan(1e-5);
          expect(relativeError(topk.dx!.data, ref.dx)).toBeLessThan(1e-5);
          expect(relativeError(topk.db.data, ref.db)).toBeLessThan(1e-6);
          expect(topk.kept).toBe(batch * Math.min(k, outF));
        },
      ),
      { numRuns: 100 },
    );
  });
});
