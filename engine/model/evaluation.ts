/**
 * Test accuracy: a model's predictions on a set of images, without augmentation. One loop, used on the
 * trainer's thread (the quick evaluations during an epoch) and in an evaluation worker (the whole test set,
 * while training goes on).
 */
import type { DeviceTensor } from '../backend/backend';
import { makeBatch } from '../data/batch';
import type { ImageSet } from '../data/cifar10';
import type { Model } from './model';

export interface Evaluation {
  accuracy: number;
  /** Mean cross-entropy. */
  loss: number;
  images: number;
  /** Each evaluated image's predicted class, in set order. */
  predicted: Uint8Array;
}

/** Images per forward pass: small enough for a phone's memory, large enough for the kernels. */
const CHUNK = 100;

/** Class probabilities and arg-max predictions for the given images. */
export async function predictImages<T extends DeviceTensor>(
  model: Model<T>,
  set: ImageSet,
  indices: ArrayLike<number>,
): Promise<{ probs: Float32Array; predicted: Uint8Array }> {
  const probs = await model.predict(makeBatch(set, indices).x);
  const classes = probs.length / indices.length;
  const predicted = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[i * classes + c] > probs[i * classes + best]) best = c;
    predicted[i] = best;
  }
  return { probs, predicted };
}

/** Loss, accuracy and predictions on the first `limit` images of a set, in chunks. */
export async function evaluateModel<T extends DeviceTensor>(model: Model<T>, set: ImageSet, limit = set.count): Promise<Evaluation> {
  const count = Math.min(limit, set.count);
  const predicted = new Uint8Array(count);
  let correct = 0;
  let loss = 0;
  for (let start = 0; start < count; start += CHUNK) {
    const indices = Uint32Array.from({ length: Math.min(CHUNK, count - start) }, (_, i) => start + i);
    const chunk = await predictImages(model, set, indices);
    const classes = chunk.probs.length / indices.length;
    predicted.set(chunk.predicted, start);
    for (let i = 0; i < indices.length; i++) {
      const label = set.labels[indices[i]];
      if (chunk.predicted[i] === label) correct++;
      loss -= Math.log(Math.max(chunk.probs[i * classes + label], 1e-30));
    }
  }
  return { accuracy: count ? correct / count : 0, loss: count ? loss / count : 0, images: count, predicted };
}
