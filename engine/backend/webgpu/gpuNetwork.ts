/**
 * A model from a ModelSpec, trained entirely on the GPU: weights, gradients, optimizer state and pruning
 * masks live in GPU buffers; a step uploads the batch and reads back two numbers (loss, correct).
 *
 * It runs the same layers as engine/model with the WGSL kernels of this folder, from the same initial
 * weights, so a GPU run follows the CPU run up to float rounding. A conv layer whose pruning mask keeps at
 * most `sparseBelowWeightDensity` of its weights runs the gather-sparse kernels.
 */
import { layerNames, LayerSpec, ModelSpec } from '../../model/spec';
import { ModelWeights, StepCost } from '../../model/model';
import { MaxPool2dOptions } from '../../ops/maxPool2d';
import { conv2dCost, conv2dGeometry, Conv2dOptions } from '../../ops/conv2d';
import { OptimizerConfig, OptimizerState } from '../../optim/optimizer';
import { Shape, Tensor } from '../../tensor/tensor';
import * as conv from './conv2d';
import { adamUpdate, applyMask, reluBackward, reluForward, sgdUpdate } from './elementwise';
import { Gpu, GpuTensor } from './gpu';
import { linearBackward, linearForward } from './linear';
import { maxPool2dBackward, maxPool2dForward } from './maxPool2d';
import { softmaxCrossEntropy } from './softmaxCrossEntropy';

interface GpuParam {
  name: string;
  shape: Shape;
  value: GpuTensor;
  /** Optimizer state: SGD's velocity, or Adam's m and v. */
  state: GpuTensor[];
  mask: GpuTensor | null;
}

interface GpuLayer {
  name: string;
  spec: LayerSpec;
  weight?: GpuParam;
  bias?: GpuParam;
  /** The weights' nonzero pattern when this conv layer runs sparse. */
  compressed?: conv.GpuCompressedWeights;
}

/** What a layer's backward pass needs from its forward pass. */
type Saved = { input: GpuTensor } | { argmax: GpuTensor; inputShape: Shape } | { inputShape: Shape } | null;

export const GPU_SPARSE_BELOW_WEIGHT_DENSITY = 0.5;

/** A step whose gradients are recorded but whose update and read-back are still to come. */
export interface PendingStep {
  grads: Map<GpuParam, GpuTensor>;
  temps: GpuTensor[];
  totals: GpuTensor;
  /** Dense and executed MACs of the step's convolutions (ideal ones are not counted on the GPU). */
  cost: StepCost;
}

export class GpuNetwork {
  private readonly layers: GpuLayer[];
  private readonly params: GpuParam[] = [];
  private step = 0;
  sparseBelowWeightDensity = GPU_SPARSE_BELOW_WEIGHT_DENSITY;

  /** @param weights initial values of every parameter, as a CPU Model with the same seed has them. */
  constructor(
    readonly gpu: Gpu,
    readonly spec: ModelSpec,
    weights: ModelWeights,
    readonly optimizer: OptimizerConfig,
  ) {
    const names = layerNames(spec);
    const stateCount = optimizer.type === 'adam' ? 2 : 1;
    const param = (name: string, shape: Shape): GpuParam => {
      const values = weights[name];
      if (!values) throw new Error(`weights: "${name}" is missing`);
      const p = { name, shape, value: gpu.tensor(shape, values), state: Array.from({ length: stateCount }, () => gpu.tensor(shape)), mask: null };
      this.params.push(p);
      return p;
    };
    this.layers = spec.layers.map((layerSpec, i) => {
      const name = names[i];
      if (layerSpec.type === 'conv2d') {
        const k = layerSpec.kernelSize;
        return {
          name,
          spec: layerSpec,
          weight: param(`${name}.weight`, [layerSpec.outChannels, layerSpec.inChannels, k, k]),
          bias: param(`${name}.bias`, [layerSpec.outChannels]),
        };
      }
      if (layerSpec.type === 'linear') {
        return {
          name,
          spec: layerSpec,
          weight: param(`${name}.weight`, [layerSpec.outFeatures, layerSpec.inFeatures]),
          bias: param(`${name}.bias`, [layerSpec.outFeatures]),
        };
      }
      return { name, spec: layerSpec };
    });
  }

  /**
   * Installs pruning masks (1 keeps a weight): zeroes the pruned weights and their optimizer state, and
   * from now on their gradients. A conv layer sparse enough switches to the gather kernels.
   */
  setMasks(masks: Map<string, Uint8Array>): void {
    for (const p of this.params) {
      const mask = masks.get(p.name);
      if (!mask) continue;
      if (mask.length !== p.value.size) throw new RangeError(`mask for ${p.name} has ${mask.length} entries, the weight ${p.value.size}`);
      p.mask?.destroy();
      p.mask = this.gpu.tensor(p.shape, Float32Array.from(mask));
      applyMask(this.gpu, p.value, p.mask);
      for (const s of p.state) applyMask(this.gpu, s, p.mask);
    }
    for (const layer of this.layers) {
      if (layer.spec.type !== 'conv2d' || !layer.weight) continue;
      const mask = masks.get(layer.weight.name);
      if (!mask) continue;
      if (layer.compressed) conv.destroyCompressed(layer.compressed);
      layer.compressed = undefined;
      const kept = mask.reduce((n, m) => n + m, 0) / mask.length;
      if (kept <= this.sparseBelowWeightDensity)
        layer.compressed = conv.compressWeightPattern(this.gpu, new Tensor(layer.weight.shape, Float32Array.from(mask)));
    }
  }

  /** A training step's conv MACs for a batch of `batch`: forward, ∂w, and ∂x except for the first layer. */
  private convCost(batch: number): StepCost {
    const cost: StepCost = { denseMacs: 0, idealMacs: null, executedMacs: 0, kernels: this.kernels(), layers: {} };
    let shape: Shape = [batch, ...this.spec.inputShape];
    this.layers.forEach((layer, i) => {
      const s = layer.spec;
      if (s.type === 'conv2d') {
        const g = conv2dGeometry(shape, layer.weight!.shape, { stride: s.stride ?? 1, padding: s.padding ?? 0 });
        const passes = i > 0 ? 3 : 2;
        const dense = conv2dCost(g).macs;
        // The gather kernels multiply every kept weight at every output position, padding included.
        const executed = passes * (layer.compressed ? layer.compressed.nonzeros * g.outH * g.outW * g.batch : dense);
        cost.denseMacs += passes * dense;
        cost.executedMacs += executed;
        cost.layers[layer.name] = { denseMacs: passes * dense, idealMacs: null, executedMacs: executed, kernel: layer.compressed ? 'sparse' : 'dense' };
        shape = [g.batch, g.outChannels, g.outH, g.outW];
      } else if (s.type === 'maxPool2d') {
        const o = poolOptions(s);
        shape = [shape[0], shape[1], Math.floor((shape[2] - o.kernelSize) / o.stride) + 1, Math.floor((shape[3] - o.kernelSize) / o.stride) + 1];
      } else if (s.type === 'flatten') {
        shape = [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)];
      } else if (s.type === 'linear') {
        // Fully connected layers run dense on the GPU: forward, ∂w, and ∂x except for the first layer.
        const dense = (i > 0 ? 3 : 2) * shape[0] * s.inFeatures * s.outFeatures;
        cost.layers[layer.name] = { denseMacs: dense, idealMacs: null, executedMacs: dense, kernel: 'dense' };
        shape = [shape[0], s.outFeatures];
      }
    });
    return cost;
  }

  /** Which conv layers run the sparse kernels. */
  kernels(): Record<string, 'dense' | 'sparse'> {
    const out: Record<string, 'dense' | 'sparse'> = {};
    for (const l of this.layers) if (l.spec.type === 'conv2d') out[l.name] = l.compressed ? 'sparse' : 'dense';
    return out;
  }

  private forward(x: GpuTensor, temps: GpuTensor[], saved: Saved[] | null): GpuTensor {
    const track = (t: GpuTensor) => (temps.push(t), t);
    let out = x;
    for (const layer of this.layers) {
      const s = layer.spec;
      const input = out;
      if (s.type === 'conv2d') {
        const opts: Conv2dOptions = { stride: s.stride ?? 1, padding: s.padding ?? 0 };
        out = track(
          layer.compressed
            ? conv.sparseConv2dForward(this.gpu, input, layer.weight!.value, layer.compressed, layer.bias!.value, opts)
            : conv.conv2dForward(this.gpu, input, layer.weight!.value, layer.bias!.value, opts),
        );
        saved?.push({ input });
      } else if (s.type === 'relu') {
        out = track(reluForward(this.gpu, input));
        saved?.push({ input });
      } else if (s.type === 'maxPool2d') {
        const { y, argmax } = maxPool2dForward(this.gpu, input, poolOptions(s));
        out = track(y);
        track(argmax);
        saved?.push({ argmax, inputShape: input.shape });
      } else if (s.type === 'flatten') {
        out = new GpuTensor([input.shape[0], input.size / input.shape[0]], input.buffer);
        saved?.push({ inputShape: input.shape });
      } else {
        out = track(linearForward(this.gpu, input, layer.weight!.value, layer.bias!.value));
        saved?.push({ input });
      }
    }
    return out;
  }

  /** One batch: forward, loss, backward and the optimizer update, all on the GPU. */
  async trainStep(x: Tensor, labels: ArrayLike<number>): Promise<{ loss: number; correct: number; cost: StepCost }> {
    const pending = this.computeGradients(x, labels);
    this.applyUpdate(pending);
    return this.finishStep(pending);
  }

  /**
   * Records forward, loss and backward for a batch. The trainer may change the masks (pruning) before
   * `applyUpdate`, exactly where the CPU trainer does.
   */
  computeGradients(x: Tensor, labels: ArrayLike<number>): PendingStep {
    const gpu = this.gpu;
    const temps: GpuTensor[] = [];
    const track = (t: GpuTensor) => (temps.push(t), t);
    const saved: Saved[] = [];
    const logits = this.forward(track(gpu.tensor(x.shape, x.data)), temps, saved);
    const ce = softmaxCrossEntropy(gpu, logits, track(gpu.tensor([labels.length], Int32Array.from(labels))));
    track(ce.probs);
    track(ce.dlogits);
    track(ce.totals);
    let grad: GpuTensor | null = ce.dlogits;
    const grads = new Map<GpuParam, GpuTensor>();
    for (let i = this.layers.length - 1; i >= 0 && grad; i--) {
      const layer = this.layers[i];
      const s = layer.spec;
      const keep = saved[i];
      const needInputGrad = i > 0;
      if (s.type === 'conv2d') {
        const opts: Conv2dOptions = { stride: s.stride ?? 1, padding: s.padding ?? 0 };
        const input = (keep as { input: GpuTensor }).input;
        const r: { dx: GpuTensor | null; dw: GpuTensor; db: GpuTensor } = layer.compressed
          ? conv.sparseConv2dBackward(gpu, input, layer.weight!.value, layer.compressed, grad, opts, 'regular', needInputGrad)
          : conv.conv2dBackward(gpu, input, layer.weight!.value, grad, opts, needInputGrad);
        grads.set(layer.weight!, track(r.dw)).set(layer.bias!, track(r.db));
        grad = r.dx ? track(r.dx) : null;
      } else if (s.type === 'relu') {
        grad = track(reluBackward(gpu, (keep as { input: GpuTensor }).input, grad));
      } else if (s.type === 'maxPool2d') {
        const { argmax, inputShape } = keep as { argmax: GpuTensor; inputShape: Shape };
        grad = track(maxPool2dBackward(gpu, inputShape, argmax, grad, poolOptions(s)));
      } else if (s.type === 'flatten') {
        grad = new GpuTensor((keep as { inputShape: Shape }).inputShape, grad.buffer);
      } else {
        const r: { dx: GpuTensor | null; dw: GpuTensor; db: GpuTensor } = linearBackward(
          gpu,
          (keep as { input: GpuTensor }).input,
          layer.weight!.value,
          grad,
          needInputGrad,
        );
        grads.set(layer.weight!, track(r.dw)).set(layer.bias!, track(r.db));
        grad = r.dx ? track(r.dx) : null;
      }
    }
    return { grads, temps, totals: ce.totals, cost: this.convCost(x.shape[0]) };
  }

  /** The optimizer update from a step's gradients (masked where pruned). */
  applyUpdate({ grads }: PendingStep): void {
    const gpu = this.gpu;
    this.step++;
    const o = this.optimizer;
    for (const [p, g] of grads) {
      if (p.mask) applyMask(gpu, g, p.mask);
      if (o.type === 'sgd') sgdUpdate(gpu, p.value, g, p.state[0], { lr: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay ?? 0 });
      else
        adamUpdate(gpu, p.value, g, p.state[0], p.state[1], {
          lr: o.lr ?? 0.001,
          beta1: o.beta1 ?? 0.9,
          beta2: o.beta2 ?? 0.999,
          eps: o.eps ?? 1e-8,
          weightDecay: o.weightDecay ?? 0,
          t: this.step,
        });
    }
  }

  /** Submits the step, reads its loss and number correct, and frees its buffers. */
  async finishStep({ temps, totals, cost }: PendingStep): Promise<{ loss: number; correct: number; cost: StepCost }> {
    const [loss, correct] = await this.gpu.readFloats(totals);
    for (const t of temps) t.destroy();
    return { loss, correct, cost };
  }

  /** The optimizer's state, read back (SGD: velocity; Adam: m, v), in engine/optim's format. */
  async readOptimizerState(): Promise<OptimizerState> {
    const buffers: Record<string, Float32Array[]> = {};
    for (const p of this.params) buffers[p.name] = await Promise.all(p.state.map((t) => this.gpu.readFloats(t)));
    return { steps: this.step, buffers };
  }

  /** Loads an optimizer state (from a checkpoint, or a CPU run moving here) into the GPU buffers. */
  writeOptimizerState(state: OptimizerState): void {
    for (const p of this.params) {
      const buffers = state.buffers[p.name];
      if (!buffers || buffers.length !== p.state.length) throw new Error(`optimizer state: "${p.name}" needs ${p.state.length} buffers`);
      buffers.forEach((b, i) => this.gpu.write(p.state[i], b));
    }
    this.step = state.steps;
  }

  /** Class probabilities for a batch, [N × classes]. */
  async predict(x: Tensor): Promise<Float32Array> {
    const temps: GpuTensor[] = [];
    const logits = this.forward(this.gpu.temporary(this.gpu.tensor(x.shape, x.data)), temps, null);
    const labels = this.gpu.temporary(this.gpu.tensor([x.shape[0]], new Int32Array(x.shape[0])));
    const ce = softmaxCrossEntropy(this.gpu, logits, labels);
    const probs = await this.gpu.readFloats(ce.probs);
    for (const t of [...temps, ce.probs, ce.dlogits, ce.totals]) t.destroy();
    return probs;
  }

  async readWeights(): Promise<ModelWeights> {
    const out: ModelWeights = {};
    for (const p of this.params) out[p.name] = await this.gpu.readFloats(p.value);
    return out;
  }

  destroy(): void {
    for (const p of this.params) for (const t of [p.value, ...p.state, ...(p.mask ? [p.mask] : [])]) t.destroy();
    for (const l of this.layers) if (l.compressed) conv.destroyCompressed(l.compressed);
  }
}

function poolOptions(s: Extract<LayerSpec, { type: 'maxPool2d' }>): MaxPool2dOptions {
  return { kernelSize: s.kernelSize, stride: s.stride ?? s.kernelSize };
}
