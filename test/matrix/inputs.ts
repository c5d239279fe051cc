/**
 * Random test inputs and the error measure shared by the unit tests and the test matrix (browser-safe: the
 * matrix runs in Chromium too).
 */
import fc from 'fast-check';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';

/** A float32 tensor of standard-normal values (some exact zeros when `zeroFraction` > 0). */
export function randomTensor(shape: number[], seed: number, zeroFraction = 0): Tensor {
  const rng = new Prng(seed);
  const t = new Tensor(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.next() < zeroFraction ? 0 : rng.normal();
  return t;
}

/** max |a − b| / max(1, max |b|): a relative error that does not explode near zero. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return maxDiff / scale;
}

/**
 * Random sparse convolution problems with chosen input and weight densities, extremes included (all zero,
 * all nonzero), wide enough for several 8-wide output panels, with stride 2 and padding.
 */
export const sparseConvCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    inChannels: fc.integer({ min: 1, max: 4 }),
    outChannels: fc.integer({ min: 1, max: 5 }),
    height: fc.integer({ min: 1, max: 7 }),
    width: fc.integer({ min: 1, max: 18 }),
    kernel: fc.integer({ min: 1, max: 3 }),
    stride: fc.integer({ min: 1, max: 2 }),
    padding: fc.integer({ min: 0, max: 2 }),
    inputZeros: fc.constantFrom(0, 0.5, 0.9, 1),
    weightZeros: fc.constantFrom(0, 0.5, 0.95, 1),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .filter((c) => c.height + 2 * c.padding >= c.kernel && c.width + 2 * c.padding >= c.kernel);

export type SparseConvCase = typeof sparseConvCase extends fc.Arbitrary<infer T> ? T : never;

/** The tensors of a case: x, w (with its zeros), b, and the conv options. */
export function sparseConvSetup(c: SparseConvCase) {
  const x = randomTensor([c.batch, c.inChannels, c.height, c.width], c.seed, c.inputZeros);
  const w = randomTensor([c.outChannels, c.inChannels, c.kernel, c.kernel], c.seed + 1, c.weightZeros);
  const b = randomTensor([c.outChannels], c.seed + 2);
  return { x, w, b, opts: { stride: c.stride, padding: c.padding } };
}
