/**
 * Softmax cross-entropy, averaged over the batch:
 *   p[n] = softmax(z[n]),  L = −(1/B) Σ_n log p[n, label_n],  ∂L/∂z[n] = (p[n] − onehot(label_n)) / B.
 * The max is subtracted before exponentiating so large logits do not overflow.
 */
import { expectRank, formatShape, NDArray, ShapeError, Tensor } from '../tensor/tensor';

export function checkLabels(op: string, logitsShape: readonly number[], labels: ArrayLike<number>) {
  expectRank(op, 'logits', logitsShape, 2);
  const [batch, classes] = logitsShape;
  if (labels.length !== batch) {
    throw new ShapeError(`${op}: logits ${formatShape(logitsShape)} need ${batch} labels, got ${labels.length}`);
  }
  for (let n = 0; n < batch; n++) {
    const label = labels[n];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new RangeError(`${op}: label ${label} at position ${n} is outside 0…${classes - 1}`);
    }
  }
  return { batch, classes };
}

function softmaxInto(z: ArrayLike<number>, offset: number, classes: number, out: Float32Array | Float64Array): void {
  let max = -Infinity;
  for (let c = 0; c < classes; c++) max = Math.max(max, z[offset + c]);
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const e = Math.exp(z[offset + c] - max);
    out[offset + c] = e;
    sum += e;
  }
  for (let c = 0; c < classes; c++) out[offset + c] /= sum;
}

export function softmaxCrossEntropyReference(logits: NDArray, labels: ArrayLike<number>) {
  const { batch, classes } = checkLabels('softmaxCrossEntropy', logits.shape, labels);
  const probs = new Float64Array(batch * classes);
  let loss = 0;
  for (let n = 0; n < batch; n++) {
    softmaxInto(logits.data, n * classes, classes, probs);
    loss -= Math.log(probs[n * classes + labels[n]]);
  }
  const dlogits = new Float64Array(batch * classes);
  for (let n = 0; n < batch; n++) for (let c = 0; c < classes; c++) dlogits[n * classes + c] = (probs[n * classes + c] - (c === labels[n] ? 1 : 0)) / batch;
  return { loss: loss / batch, probs, dlogits };
}

export interface SoftmaxCrossEntropyResult {
  loss: number;
  probs: Tensor;
  /** ∂loss/∂logits. */
  dlogits: Tensor;
  /** How many rows had the true label as their arg-max. */
  correct: number;
}

/** Every row's class probabilities, [N × classes]. */
export function softmax(logits: Tensor): Float32Array {
  expectRank('softmax', 'logits', logits.shape, 2);
  const [batch, classes] = logits.shape;
  const probs = new Float32Array(logits.size);
  for (let n = 0; n < batch; n++) softmaxInto(logits.data, n * classes, classes, probs);
  return probs;
}

export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): SoftmaxCrossEntropyResult {
  const { batch, classes } = checkLabels('softmaxCrossEntropy', logits.shape, labels);
  const probs = new Tensor(logits.shape);
  const dlogits = new Tensor(logits.shape);
  let loss = 0;
  let correct = 0;
  for (let n = 0; n < batch; n++) {
    const off = n * classes;
    softmaxInto(logits.data, off, classes, probs.data);
    // log p computed from the logits (log-sum-exp) rather than log of a float32 that may underflow to 0.
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < classes; c++) {
      if (logits.data[off + c] > max) {
        max = logits.data[off + c];
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits.data[off + c] - max);
    loss += Math.log(sum) + max - logits.data[off + labels[n]];
    if (arg === labels[n]) correct++;
    for (let c = 0; c < classes; c++) dlogits.data[off + c] = (probs.data[off + c] - (c === labels[n] ? 1 : 0)) / batch;
  }
  return { loss: loss / batch, probs, dlogits, correct };
}
