import { gzipSync } from 'node:zlib';
import { CIFAR10_DIR, RECORD_BYTES, TEST_BATCH_FILE, TRAIN_BATCH_FILES } from '../../engine/data/cifar10';
import { writeTar } from '../../engine/data/tar';
import { Prng } from '../../engine/random/prng';
import { Tensor } from '../../engine/tensor/tensor';

export { randomTensor, relativeError, sparseConvCase, sparseConvSetup, type SparseConvCase } from '../matrix/inputs';
import type { SessionTrainConfig } from '../../engine/train/session';

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
