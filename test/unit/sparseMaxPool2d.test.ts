import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maxPool2dBackward, maxPool2dForward } from '../../engine/ops/maxPool2d';
import { sparseMaxPool2dBackward, sparseMaxPool2dForward } from '../../engine/ops/sparseMaxPool2d';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';
import { randomTensor } from './helpers';

/** ReLU-like maps: many zeros, whole empty windows, and repeated values so that ties happen. */
function reluLike(shape: number[], seed: number, zeros: number): Tensor {
  const rng = new Prng(seed);
  const t = new Tensor(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.next() < zeros ? 0 : 1 + rng.int(3); // values 1, 2, 3: ties
  return t;
}

describe('sparse max-pool', () => {
  const poolCase = fc
    .record({
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      h: fc.integer({ min: 1, max: 9 }),
      w: fc.integer({ min: 1, max: 9 }),
      kernelSize: fc.integer({ min: 1, max: 3 }),
      stride: fc.integer({ min: 1, max: 3 }),
      zeros: fc.constantFrom(0, 0.5, 0.8, 1),
      seed: fc.integer(),
    })
    .filter((p) => p.h >= p.kernelSize && p.w >= p.kernelSize);

  it('equals the dense pool exactly on ReLU outputs, ties and empty windows included', () => {
    fc.assert(
      fc.property(poolCase, (p) => {
        const opts = { kernelSize: p.kernelSize, stride: p.stride };
        const x = reluLike([p.n, p.c, p.h, p.w], p.seed, p.zeros);
        const dense = maxPool2dForward(x, opts);
        const sparse = sparseMaxPool2dForward(x, opts);
        expect(Array.from(sparse.y.data)).toEqual(Array.from(dense.y.data));
        // Same chosen element wherever the window has a nonzero; nothing chosen where it has none.
        for (let o = 0; o < dense.argmax.length; o++) {
          expect(sparse.argmax[o]).toBe(dense.y.data[o] > 0 ? dense.argmax[o] : -1);
        }
        // Gradients agree after the ReLU before the pool (which zeroes them wherever x = 0).
        const dy = randomTensor([...dense.y.shape], p.seed + 1);
        const denseDx = maxPool2dBackward(x.shape, dense.argmax, dy).data.map((v, i) => (x.data[i] > 0 ? v : 0));
        expect(Array.from(sparseMaxPool2dBackward(x.shape, sparse.argmax, dy).data)).toEqual(Array.from(denseDx));
        // Examined elements: every (nonzero, window containing it) pair, found here by brute force.
        let pairs = 0;
        const [, , oh, ow] = dense.y.shape;
        for (let q = 0; q < p.n * p.c; q++)
          for (let oi = 0; oi < oh; oi++)
            for (let oj = 0; oj < ow; oj++)
              for (let m = 0; m < p.kernelSize; m++)
                for (let l = 0; l < p.kernelSize; l++) if (x.data[(q * p.h + oi * p.stride + m) * p.w + oj * p.stride + l] !== 0) pairs++;
        expect(sparse.cost.sparseExamined).toBe(pairs);
        expect(sparse.cost.denseExamined).toBe(dense.y.size * p.kernelSize * p.kernelSize);
      }),
      { numRuns: 300 },
    );
  });

  it('ignores zeros: an empty window gives 0, a window of negatives its largest nonzero', () => {
    // Windows (2×2, stride 2): [0 0; 0 0] → 0, [−1 0; 0 −3] → −1.
    const x = Tensor.from([1, 1, 2, 4], [0, 0, -1, 0, 0, 0, 0, -3]);
    const { y, argmax } = sparseMaxPool2dForward(x, { kernelSize: 2, stride: 2 });
    expect(Array.from(y.data)).toEqual([0, -1]);
    expect(Array.from(argmax)).toEqual([-1, 2]);
  });
});
