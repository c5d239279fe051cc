/**
 * The WGSL backend: tensors are GPU storage buffers, ops record dispatches (gpu.ts submits them in a few
 * batches), and only `read` and `countNonzeros` wait for the GPU. It implements the same Backend as the
 * CPU, so the one network (engine/model) runs here unchanged.
 *
 * Both sparse convolution kernels gather (WGSL has no float atomics to scatter with): weight-sparse, every
 * output over its kept weights; the Cartesian product, the same skipping zero inputs, counting its
 * multiplies on the device. It counts Ω's pairs only where the Cartesian product runs (it needs a read-back):
 * elsewhere ideal MACs are null on this backend.
 */
import { Backend, copyOut } from '../backend';
import { conv2dCost, conv2dGeometry } from '../../ops/conv2d';
import { checkLabels } from '../../ops/softmaxCrossEntropy';
import { WeightPattern } from '../../sparse/weightPattern';
import { Shape } from '../../tensor/tensor';
import * as conv from './conv2d';
import { adamUpdate, applyMask, countNonzeros, reluBackward, reluForward, scaleAdd, sgdUpdate } from './elementwise';
import { Gpu, GpuTensor } from './gpu';
import { linearBackward, linearForward, sparseLinearBackward, sparseLinearForward } from './linear';
import { maxPool2dBackward, maxPool2dForward } from './maxPool2d';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

export class WebGpuBackend implements Backend<GpuTensor, GpuTensor> {
  readonly name = 'webgpu';
  readonly sparseConvKernels = ['cartesian', 'weightSparse'] as const;
  readonly countsPairs = false;
  /** Each pattern's GPU copy, uploaded at its first use. */
  private readonly patterns = new Map<WeightPattern, conv.GpuCompressedWeights>();

  constructor(readonly gpu: Gpu) {}

  tensor(shape: Shape, data?: Float32Array): GpuTensor {
    return this.gpu.tensor(shape, data);
  }

  async read(t: GpuTensor, into?: Float32Array): Promise<Float32Array> {
    const values = await this.gpu.readFloats(t);
    return into ? copyOut(values, into) : values;
  }

  write(t: GpuTensor, data: Float32Array): void {
    this.gpu.write(t, data);
  }

  reshape(t: GpuTensor, shape: Shape): GpuTensor {
    return new GpuTensor(shape, t.buffer, t.dtype);
  }

  free(t: GpuTensor): void {
    // After the next submit: work already recorded may still read it.
    this.gpu.temporary(t);
  }

  countNonzeros(t: GpuTensor): Promise<number> {
    return countNonzeros(this.gpu, t);
  }

  convPairs(): null {
    return null;
  }

  linearPairs(): null {
    return null;
  }

  private uploaded(p: WeightPattern): conv.GpuCompressedWeights {
    let cw = this.patterns.get(p);
    if (!cw) this.patterns.set(p, (cw = conv.uploadPattern(this.gpu, p)));
    return cw;
  }

  releasePattern(p: WeightPattern): void {
    const cw = this.patterns.get(p);
    if (!cw) return;
    for (const t of [cw.rowPtr, cw.rowTap, cw.rowIndex, cw.colPtr, cw.colChannel, cw.colIndex]) this.free(t);
    this.patterns.delete(p);
  }

  conv2dForward({ x, w, b, conv: opts, kernel, pattern }: Parameters<Backend<GpuTensor>['conv2dForward']>[0]) {
    const g = conv2dGeometry(x.shape, w.shape, opts);
    if (kernel === 'dense') return { y: conv.conv2dForward(this.gpu, x, w, b, opts), executedMacs: conv2dCost(g).macs };
    if (kernel === 'cartesian') return conv.cartesianConv2dForward(this.gpu, x, w, this.uploaded(pattern), b, opts);
    // The gather multiplies every kept weight at every output position, padding included.
    const y = conv.sparseConv2dForward(this.gpu, x, w, this.uploaded(pattern), b, opts);
    return { y, executedMacs: pattern.nonzeros * g.outH * g.outW * g.batch };
  }

  conv2dBackward({ x, w, dy, conv: opts, kernel, pattern, needInputGrad }: Parameters<Backend<GpuTensor>['conv2dBackward']>[0]) {
    const g = conv2dGeometry(x.shape, w.shape, opts);
    const passes = needInputGrad ? 2 : 1;
    if (kernel === 'dense') return { ...conv.conv2dBackward(this.gpu, x, w, dy, opts, needInputGrad), executedMacs: passes * conv2dCost(g).macs };
    if (kernel === 'cartesian') return conv.cartesianConv2dBackward(this.gpu, x, w, this.uploaded(pattern), dy, opts, needInputGrad);
    const grads = conv.sparseConv2dBackward(this.gpu, x, w, this.uploaded(pattern), dy, opts, 'regular', needInputGrad);
    return { ...grads, executedMacs: passes * pattern.nonzeros * g.outH * g.outW * g.batch };
  }

  linearForward({ x, w, b, kernel, pattern }: Parameters<Backend<GpuTensor>['linearForward']>[0]) {
    if (kernel === 'dense') return { y: linearForward(this.gpu, x, w, b), executedMacs: x.shape[0] * w.size };
    return { y: sparseLinearForward(this.gpu, x, w, b, this.uploaded(pattern)), executedMacs: x.shape[0] * pattern.nonzeros };
  }

  linearBackward({ x, w, dy, kernel, pattern, needInputGrad }: Parameters<Backend<GpuTensor>['linearBackward']>[0]) {
    const passes = needInputGrad ? 2 : 1;
    if (kernel === 'dense') return { ...linearBackward(this.gpu, x, w, dy, needInputGrad), executedMacs: passes * x.shape[0] * w.size };
    const grads = sparseLinearBackward(this.gpu, x, w, dy, this.uploaded(pattern), needInputGrad);
    return { ...grads, executedMacs: passes * x.shape[0] * pattern.nonzeros };
  }

  reluForward(x: GpuTensor): GpuTensor {
    return reluForward(this.gpu, x);
  }

  reluBackward(x: GpuTensor, dy: GpuTensor): GpuTensor {
    return reluBackward(this.gpu, x, dy);
  }

  maxPool2dForward(x: GpuTensor, pool: Parameters<Backend['maxPool2dForward']>[1], sparse: boolean) {
    return maxPool2dForward(this.gpu, x, pool, sparse);
  }

  maxPool2dBackward(xShape: Shape, argmax: GpuTensor, dy: GpuTensor, pool: Parameters<Backend['maxPool2dBackward']>[3]): GpuTensor {
    return maxPool2dBackward(this.gpu, xShape, argmax, dy, pool);
  }

  freeIndices(argmax: GpuTensor): void {
    this.free(argmax);
  }

  softmaxCrossEntropy(logits: GpuTensor, labels: ArrayLike<number>) {
    checkLabels('softmaxCrossEntropy', logits.shape, labels);
    const ce = softmaxCrossEntropy(this.gpu, logits, this.gpu.temporary(this.gpu.tensor([labels.length], Int32Array.from(labels))));
    const totals = async () => {
      try {
        const [loss, correct] = await this.gpu.readFloats(ce.totals);
        return { loss, correct };
      } finally {
        ce.totals.destroy();
      }
    };
    return { probs: ce.probs, dlogits: ce.dlogits, totals };
  }

  async softmax(logits: GpuTensor): Promise<Float32Array> {
    const ce = softmaxCrossEntropy(this.gpu, logits, this.gpu.temporary(this.gpu.tensor([logits.shape[0]], new Int32Array(logits.shape[0]))));
    try {
      return await this.gpu.readFloats(ce.probs);
    } finally {
      for (const t of [ce.probs, ce.dlogits, ce.totals]) t.destroy();
    }
  }

  sgdUpdate({ w, g, velocity, ...o }: Parameters<Backend<GpuTensor>['sgdUpdate']>[0]): void {
    sgdUpdate(this.gpu, w, g, velocity, o);
  }

  adamUpdate({ w, g, m, v, ...o }: Parameters<Backend<GpuTensor>['adamUpdate']>[0]): void {
    adamUpdate(this.gpu, w, g, m, v, o);
  }

  applyMask(t: GpuTensor, mask: GpuTensor): void {
    applyMask(this.gpu, t, mask);
  }

  scaleAdd(y: GpuTensor, x: GpuTensor, a: number, b: number): void {
    if (x.size !== y.size) throw new RangeError(`scaleAdd: ${x.size} values into ${y.size}`);
    scaleAdd(this.gpu, y, x, a, b);
  }

  async measure(record: () => unknown): Promise<number> {
    return (await this.gpu.measure(record)).ms;
  }

  /** Frees the patterns' GPU copies (the tensors belong to whoever made them). */
  destroy(): void {
    for (const p of [...this.patterns.keys()]) this.releasePattern(p);
    this.gpu.flush();
  }
}
