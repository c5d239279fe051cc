import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gemm, gemmReference } from '../../engine/linalg/gemm';
import { Prng } from '../../engine/random/prng';
import { relativeError } from './helpers';

function randomArray(size: number, rng: Prng): Float32Array {
  return Float32Array.from({ length: size }, () => rng.normal());
}

describe('gemm', () => {
  it('matches the triple loop for every transpose, edge sizes and accumulation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 1, max: 13 }),
        fc.integer({ min: 0, max: 17 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom<0 | 1>(0, 1),
        fc.integer(),
        (m, n, k, transA, transB, beta, seed) => {
          const rng = new Prng(seed);
          const a = randomArray(m * k + 3, rng);
          const b = randomArray(k * n + 5, rng);
          const c0 = randomArray(m * n + 2, rng);
          const fast = c0.slice();
          const ref = c0.slice();
          const args = { m, n, k, a, aOffset: 3, transA, b, bOffset: 5, transB, beta, cOffset: 2 };
          gemm({ ...args, c: fast });
          gemmReference({ ...args, c: ref });
          expect(relativeError(fast, ref)).toBeLessThan(1e-5);
          // Nothing outside C's window is touched.
          expect(Array.from(fast.subarray(0, 2))).toEqual(Array.from(c0.subarray(0, 2)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
