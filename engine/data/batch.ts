/**
 * From bytes to a training batch: per-channel normalisation and seeded augmentation (random crop from the
 * image padded by 4 pixels, and horizontal flip), the standard CIFAR-10 recipe.
 */
import { Prng } from '../random/prng';
import { Tensor } from '../tensor/tensor';
import { IMAGE_BYTES, IMAGE_SIZE, ImageSet } from './cifar10';

/** CIFAR-10 training-set channel means and standard deviations (of pixel / 255). */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465] as const;
export const CIFAR10_STD = [0.247, 0.2435, 0.2616] as const;

export interface AugmentOptions {
  rng: Prng;
  /** Pixels of zero padding before the random crop (4 in the standard recipe). */
  cropPadding: number;
  flip: boolean;
}

export interface Batch {
  x: Tensor;
  labels: Uint8Array;
}

/** Lookup tables byte → normalised value, one per channel. */
const NORMALISED = CIFAR10_MEAN.map((mean, c) => Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean) / CIFAR10_STD[c]));

/** The normalised value of a black (0) pixel in the padding, per channel. */
const PADDING_VALUE = NORMALISED.map((table) => table[0]);

export function makeBatch(set: ImageSet, indices: ArrayLike<number>, augment?: AugmentOptions): Batch {
  const n = indices.length;
  const x = new Tensor([n, 3, IMAGE_SIZE, IMAGE_SIZE]);
  const labels = new Uint8Array(n);
  const S = IMAGE_SIZE;
  for (let b = 0; b < n; b++) {
    const index = indices[b];
    labels[b] = set.labels[index];
    const src = index * IMAGE_BYTES;
    const dst = b * IMAGE_BYTES;
    // Draw the augmentation even when it is a no-op, so the random stream does not depend on the image.
    const pad = augment?.cropPadding ?? 0;
    const dy = augment && pad > 0 ? augment.rng.int(2 * pad + 1) - pad : 0;
    const dx = augment && pad > 0 ? augment.rng.int(2 * pad + 1) - pad : 0;
    const flip = augment?.flip ? augment.rng.next() < 0.5 : false;
    for (let c = 0; c < 3; c++) {
      const table = NORMALISED[c];
      const plane = c * S * S;
      for (let i = 0; i < S; i++) {
        const r = i + dy;
        for (let j = 0; j < S; j++) {
          const q = (flip ? S - 1 - j : j) + dx;
          x.data[dst + plane + i * S + j] = r >= 0 && r < S && q >= 0 && q < S ? table[set.images[src + plane + r * S + q]] : PADDING_VALUE[c];
        }
      }
    }
  }
  return { x, labels };
}
