import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { CIFAR10_DIR, RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from '../../engine/data/cifar10';
import { writeTar } from '../../engine/data/tar';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';
import type { SessionTrainConfig } from '../../engine/train/session';

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
 * Central finite differences of a scalar function f at x (float64), for every element of x:
 *   ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h.
 */
export function numericalGradient(x: Float64Array, f: (x: Float64Array) => number, h = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const plus = f(x);
    x[i] = saved - h;
    const minus = f(x);
    x[i] = saved;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}

/** A fixed random projection r, so that L = Σ r·y is a scalar whose ∂L/∂y is r. */
export function projection(size: number, seed: number): Float64Array {
  const rng = new Prng(seed);
  return Float64Array.from({ length: size }, () => rng.normal());
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function toFloat64(t: Tensor): { shape: number[]; data: Float64Array } {
  return { shape: [...t.shape], data: Float64Array.from(t.data) };
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

/** A cifar-10-binary.tar.gz of random images: `records` per batch file, labels 0–9. */
export function syntheticCifarArchive(records: number): Blob {
  const rng = new Prng(1);
  const files = [...TRAIN_BATCH_FILES, TEST_BATCH_FILE].map((name) => {
    const data = new Uint8Array(records * RECORD_BYTES);
    for (let i = 0; i < data.length; i++) data[i] = i % RECORD_BYTES === 0 ? rng.int(10) : rng.int(256);
    return { name: `${CIFAR10_DIR}/${name}`, data };
  });
  return new Blob([new Uint8Array(gzipSync(writeTar(files)))]);
}

/** A short run of the tiny model on 40 synthetic images, pruning conv2 and fc1: what the checkpoint tests save. */
export const sessionConfig: SessionTrainConfig = {
  preset: 'tiny',
  batchSize: 8,
  learningRate: 0.001,
  optimizer: 'adam',
  augment: true,
  seed: 3,
  epochs: 2,
  evalImages: 10,
  evalEverySteps: 4,
  trainImages: 40,
  workers: 1,
  backend: 'cpu',
  pruning: { to: 0.9, startEpoch: 0.2, endEpoch: 1, layers: ['conv2', 'fc1'] },
};
