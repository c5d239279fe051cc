/**
 * The pure-TypeScript backend: tensors are Float32Arrays on this thread, every op runs at once, and the
 * kernels are engine/ops' fast paths, each tested against the float64 reference beside it.
 */
import { Backend, copyOut } from '../backend';
import { conv2dBackward, conv2dForward, conv2dCost, conv2dGeometry, Conv2dOptions } from '../../ops/conv2d';
import { cartesianBackward, cartesianForward } from '../../ops/sparseConv/cartesian';
import { weightSparseBackward, weightSparseForward } from '../../ops/sparseConv/weightSparse';
import { addBias, convBiasGrad } from '../../ops/sparseConv/definitions';
import { sparseConv2dPairs } from '../../ops/sparseConv/pairs';
import { linearBackward, linearForward } from '../../ops/linear';
import { sparseLinearBackward, sparseLinearForward, sparseLinearPairs } from '../../ops/sparseLinear';
import { reluBackward, reluForward } from '../../ops/relu';
import { maxPool2dForward, MaxPool2dOptions } from '../../ops/maxPool2d';
// The sparse backward skips windows without a nonzero (argmax −1) and is the dense one otherwise.
import { sparseMaxPool2dBackward, sparseMaxPool2dForward } from '../../ops/sparseMaxPool2d';
import { softmax, softmaxCrossEntropy } from '../../ops/softmaxCrossEntropy';
import { adamUpdateArrays, sgdUpdateArrays } from '../../ops/optimizerUpdates';
import { compressedView, WeightPattern } from '../../sparse/weightPattern';
import { Shape, Tensor } from '../../tensor/tensor';

function nonzeros(values: Float32Array): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
  return count;
}

export const cpuBackend: Backend<Tensor, Int32Array> = {
  name: 'cpu',
  sparseConvKernels: ['cartesian', 'weightSparse'],
  countsPairs: true,

  tensor: (shape: Shape, data?: Float32Array) => new Tensor(shape, data ? data.slice() : undefined),
  read: async (t, into) => copyOut(t.data, into),
  write: (t, data) => t.data.set(data),
  reshape: (t, shape) => t.reshape(shape),
  free: () => {},
  countNonzeros: async (t) => nonzeros(t.data),
  convPairs: (x: Tensor, pattern: WeightPattern, conv: Conv2dOptions) => sparseConv2dPairs(x, compressedView(pattern, null), conv),
  linearPairs: (x, pattern) => sparseLinearPairs(x, pattern),
  releasePattern: () => {},

  conv2dForward({ x, w, b, conv, kernel, pattern }) {
    const g = conv2dGeometry(x.shape, w.shape, conv);
    if (kernel === 'dense') return { y: conv2dForward(x, w, b, conv), executedMacs: conv2dCost(g).macs };
    if (kernel === 'cartesian') {
      const { y, cost } = cartesianForward(x, compressedView(pattern, w), b, g, 'regular');
      return { y, executedMacs: cost.executedMacs };
    }
    const y = new Tensor([g.batch, g.outChannels, g.outH, g.outW]);
    const executedMacs = weightSparseForward(x, w, pattern, g, y.data);
    addBias(y, b);
    return { y, executedMacs };
  },

  conv2dBackward({ x, w, dy, conv, kernel, pattern, needInputGrad }) {
    const g = conv2dGeometry(x.shape, w.shape, conv);
    if (kernel === 'dense') {
      const grads = conv2dBackward(x, w, dy, conv, needInputGrad);
      return { ...grads, executedMacs: (needInputGrad ? 2 : 1) * conv2dCost(g).macs };
    }
    if (kernel === 'cartesian') {
      const grads = cartesianBackward(x, w, compressedView(pattern, w), dy, g, 'regular', needInputGrad);
      return { dx: grads.dx, dw: grads.dw, db: grads.db, executedMacs: grads.cost.executedMacs };
    }
    const dw = new Tensor(w.shape);
    const dx = needInputGrad ? new Tensor(x.shape) : null;
    const executedMacs = weightSparseBackward(x, w, pattern, dy, g, dw.data, dx ? dx.data : null);
    return { dx, dw, db: convBiasGrad(dy), executedMacs };
  },

  linearForward({ x, w, b, kernel, pattern }) {
    if (kernel === 'dense') return { y: linearForward(x, w, b), executedMacs: x.shape[0] * w.size };
    const { y, cost } = sparseLinearForward(x, w, b, pattern);
    return { y, executedMacs: cost.executedMacs };
  },

  linearBackward({ x, w, dy, kernel, pattern, needInputGrad }) {
    if (kernel === 'dense') return { ...linearBackward(x, w, dy, needInputGrad), executedMacs: (needInputGrad ? 2 : 1) * x.shape[0] * w.size };
    const grads = sparseLinearBackward(x, w, dy, pattern, needInputGrad);
    return { dx: grads.dx, dw: grads.dw, db: grads.db, executedMacs: grads.cost.executedMacs };
  },

  reluForward: (x) => reluForward(x),
  reluBackward: (x, dy) => reluBackward(x, dy),
  maxPool2dForward: (x: Tensor, pool: MaxPool2dOptions, sparse: boolean) => (sparse ? sparseMaxPool2dForward(x, pool) : maxPool2dForward(x, pool)),
  maxPool2dBackward: (xShape, argmax, dy) => sparseMaxPool2dBackward(xShape, argmax, dy),
  freeIndices: () => {},

  softmaxCrossEntropy(logits, labels) {
    const r = softmaxCrossEntropy(logits, labels);
    return { probs: r.probs, dlogits: r.dlogits, totals: async () => ({ loss: r.loss, correct: r.correct }) };
  },
  softmax: async (logits) => softmax(logits),

  sgdUpdate: ({ w, g, velocity, lr, momentum, weightDecay }) => sgdUpdateArrays(w.data, g.data, velocity.data, lr, momentum, weightDecay),
  adamUpdate: ({ w, g, m, v, ...o }) => adamUpdateArrays(w.data, g.data, m.data, v.data, o),
  applyMask(t, mask) {
    for (let i = 0; i < t.size; i++) if (mask.data[i] === 0) t.data[i] = 0;
  },
  scaleAdd(y, x, a, b) {
    if (x.size !== y.size) throw new RangeError(`scaleAdd: ${x.size} values into ${y.size}`);
    for (let i = 0; i < y.size; i++) y.data[i] = a * y.data[i] + b * x.data[i];
  },

  async measure(record) {
    const start = performance.now();
    await record();
    return performance.now() - start;
  },
};
