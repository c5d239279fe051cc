/**
 * The network: a sequential CNN built from a ModelSpec, written once against the Backend interface. The
 * same class trains on the CPU, on a GPU and in every gradient worker; a backend only runs its kernels.
 * Weights are initialised from a seeded PRNG on the CPU and uploaded, so the same spec and seed give the
 * same model on every backend.
 */
import type { Backend, DeviceTensor } from '../backend/backend';
import { cpuBackend } from '../backend/cpu/cpuBackend';
import { Prng } from '../random/prng';
import { Param } from '../tensor/param';
import { formatShape, ShapeError, Tensor } from '../tensor/tensor';
import { kaimingNormal } from './init';
import { ExecutionPolicy } from './kernelChoice';
import { Conv2dLayer, FlattenLayer, Layer, LayerReport, LinearLayer, MaxPool2dLayer, ReluLayer } from './layers';
import { layerStatsFrom, LayerStats, OutputDensity, outputDensity } from './layerStats';
import { layerNames, layerParameterShapes, LayerSpec, ModelSpec, validateModelSpec } from './spec';

/** Every parameter by name, as plain arrays: what checkpoints and the worker move around. */
export type ModelWeights = Record<string, Float32Array>;

/** What one training step's convolutions cost, in MACs (see LayerReport for each counter's convention). */
export interface StepCost {
  /** What dense kernels multiply, padding taps included. */
  denseMacs: number;
  /**
   * Pairs of a nonzero input (or gradient partner) and a nonzero weight that land on a valid output; null
   * where nobody counted them (the GPU backend does not read activations back to count Ω).
   */
  idealMacs: number | null;
  /** What the chosen kernels actually multiplied. */
  executedMacs: number;
  kernels: Record<string, 'dense' | 'sparse'>;
  /** Every conv and linear layer's own counters (forward and backward summed) and the kernel it ran. */
  layers: Record<string, LayerStepCost>;
}

/** One layer's share of a step: the StepCost counters, for this layer alone. */
export interface LayerStepCost {
  denseMacs: number;
  idealMacs: number | null;
  executedMacs: number;
  kernel: 'dense' | 'sparse';
}

/** One batch's loss, and — when asked — each layer's output density, measured in the same forward pass. */
export interface LossAndGradients {
  loss: number;
  correct: number;
  densities: OutputDensity[] | null;
}

type WeightedLayer<T extends DeviceTensor> = Conv2dLayer<T> | LinearLayer<T>;

let nextMaskVersion = 0;

function createLayer<T extends DeviceTensor>(backend: Backend<T>, name: string, spec: LayerSpec, rng: Prng, isLast: boolean): Layer<T> {
  const shapes = layerParameterShapes(spec);
  if (shapes) {
    const weight = new Float32Array(shapes.weight.reduce((a, b) => a * b, 1));
    // The classifier, followed by softmax rather than ReLU, takes the linear gain (see init.ts).
    kaimingNormal(weight, weight.length / shapes.weight[0], rng, isLast ? 1 : Math.SQRT2);
    const initial = { weight, bias: new Float32Array(shapes.bias[0]) };
    if (spec.type === 'conv2d') return new Conv2dLayer(backend, name, spec, shapes, initial);
    if (spec.type === 'linear') return new LinearLayer(backend, name, spec, shapes, initial);
  }
  switch (spec.type) {
    case 'relu':
      return new ReluLayer(backend, name, spec);
    case 'maxPool2d':
      return new MaxPool2dLayer(backend, name, spec);
    case 'flatten':
      return new FlattenLayer(backend, name, spec);
    default:
      throw new Error(`${name}: a ${spec.type} layer needs parameters`);
  }
}

export class Model<T extends DeviceTensor = Tensor> {
  readonly layers: Layer<T>[];
  readonly outputShapes: number[][];
  readonly backend: Backend<T>;

  constructor(
    readonly spec: ModelSpec,
    seed: number,
    backend?: Backend<T>,
  ) {
    this.backend = backend ?? (cpuBackend as unknown as Backend<T>);
    this.outputShapes = validateModelSpec(spec);
    const rng = new Prng(seed);
    const names = layerNames(spec);
    this.layers = spec.layers.map((layerSpec, i) => createLayer(this.backend, names[i], layerSpec, rng, i === spec.layers.length - 1));
    if (this.layers.length > 0) this.layers[0].needsInputGrad = false;
    // A convolution whose input comes out of a ReLU (through pooling or not) may skip zero inputs backward.
    this.layers.forEach((layer, i) => {
      if (!(layer instanceof Conv2dLayer)) return;
      let j = i - 1;
      while (j >= 0 && this.layers[j].spec.type === 'maxPool2d') j--;
      layer.inputIsRectified = j >= 0 && this.layers[j].spec.type === 'relu';
    });
  }

  convLayers(): Conv2dLayer<T>[] {
    return this.layers.filter((l): l is Conv2dLayer<T> => l instanceof Conv2dLayer);
  }

  /** The conv and linear layers: those with weights, a kernel choice and cost counters. */
  weightedLayers(): WeightedLayer<T>[] {
    return this.layers.filter((l): l is WeightedLayer<T> => l instanceof Conv2dLayer || l instanceof LinearLayer);
  }

  /** Chooses the kernel of every conv and linear layer (or of the named ones), by one rule for both. */
  setExecutionPolicy(policy: ExecutionPolicy, crossover?: number, layers?: readonly string[]): void {
    if (crossover !== undefined && !(crossover >= 0 && crossover <= 1)) throw new RangeError(`crossover must be a density between 0 and 1, got ${crossover}`);
    for (const layer of this.weightedLayers()) {
      if (layers && !layers.includes(layer.name)) continue;
      layer.policy = policy;
      if (crossover !== undefined) layer.crossover = crossover;
    }
  }

  /** The weight density at or below which `auto` runs the weight-sparse and CSR kernels (null: the product alone decides). */
  setWeightCrossover(weightCrossover: number | null): void {
    if (weightCrossover !== null && !(weightCrossover >= 0 && weightCrossover <= 1))
      throw new RangeError(`the weight crossover must be a density between 0 and 1, got ${weightCrossover}`);
    for (const layer of this.weightedLayers()) layer.weightCrossover = weightCrossover;
  }

  /** What each conv and linear layer ran in the last step, with its exact cost counters. */
  reports(): Record<string, LayerReport> {
    const out: Record<string, LayerReport> = {};
    for (const layer of this.weightedLayers()) if (layer.report) out[layer.name] = layer.report;
    return out;
  }

  /**
   * The last step's cost counters: the totals over the conv layers (as the charts have always shown them),
   * and every conv and linear layer's own.
   */
  stepCost(): StepCost {
    const cost: StepCost = { denseMacs: 0, idealMacs: 0, executedMacs: 0, kernels: {}, layers: {} };
    for (const layer of this.weightedLayers()) {
      const report = layer.report;
      if (!report) continue;
      const sum: LayerStepCost = { denseMacs: 0, idealMacs: 0, executedMacs: 0, kernel: report.kernel };
      for (const pass of [report.forward, report.backward]) {
        if (!pass) continue;
        sum.denseMacs += pass.denseMacs;
        sum.idealMacs = sum.idealMacs === null || pass.idealMacs === null ? null : sum.idealMacs + pass.idealMacs;
        sum.executedMacs += pass.executedMacs;
      }
      cost.layers[layer.name] = sum;
      if (layer.spec.type !== 'conv2d') continue;
      cost.denseMacs += sum.denseMacs;
      cost.idealMacs = cost.idealMacs === null || sum.idealMacs === null ? null : cost.idealMacs + sum.idealMacs;
      cost.executedMacs += sum.executedMacs;
      cost.kernels[layer.name] = report.kernel;
    }
    return cost;
  }

  get numClasses(): number {
    return this.outputShapes[this.outputShapes.length - 1][0];
  }

  params(): Param<T>[] {
    return this.layers.flatMap((layer) => layer.params());
  }

  private upload(x: Tensor): T {
    const [c, h, w] = this.spec.inputShape;
    if (x.shape.length !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w) {
      throw new ShapeError(`model: input ${formatShape(x.shape)} does not match [batch, ${c}, ${h}, ${w}]`);
    }
    return this.backend.tensor(x.shape, x.data);
  }

  /**
   * The forward pass, keeping every layer's output: `outputs[i]` is layer i's. Every layer remembers what
   * its backward needs; free the outputs with `release` (no-op on the CPU).
   */
  async forwardTrace(x: Tensor): Promise<T[]> {
    const input = this.upload(x);
    const outputs: T[] = [];
    let out = input;
    for (const layer of this.layers) {
      out = await layer.forward(out);
      outputs.push(out);
    }
    this.traceInputs.set(outputs, input);
    return outputs;
  }

  /** The input each trace uploaded, freed with its outputs by `release`. */
  private readonly traceInputs = new WeakMap<T[], T>();

  /** Frees a trace's outputs (and the input it uploaded). */
  release(outputs: T[]): void {
    const input = this.traceInputs.get(outputs);
    if (input) this.backend.free(input);
    for (const t of outputs) this.backend.free(t);
  }

  /** The logits of a batch (read back), [N × classes], without keeping anything for a backward pass. */
  async logits(x: Tensor): Promise<Float32Array> {
    const outputs = await this.forwardTrace(x);
    const values = await this.backend.read(outputs[outputs.length - 1]);
    this.release(outputs);
    return values;
  }

  /** Class probabilities of a batch, [N × classes]. */
  async predict(x: Tensor): Promise<Float32Array> {
    const outputs = await this.forwardTrace(x);
    const probs = await this.backend.softmax(outputs[outputs.length - 1]);
    this.release(outputs);
    return probs;
  }

  /** Back-propagates ∂L/∂logits through every layer, leaving each parameter's gradient in `param.grad`. */
  async backward(dlogits: T): Promise<void> {
    let grad: T | null = dlogits;
    for (let i = this.layers.length - 1; i >= 0 && grad; i--) {
      const next: T | null = await this.layers[i].backward(grad);
      this.backend.free(grad);
      grad = next;
    }
    if (grad) this.backend.free(grad);
  }

  /**
   * Forward, loss and backward for one batch; the caller then asks an optimizer to step. With `densities`,
   * also each layer's output density in this forward pass (read back: on a GPU, only every N steps).
   */
  async lossAndGradients(x: Tensor, labels: ArrayLike<number>, options: { densities?: boolean } = {}): Promise<LossAndGradients> {
    const outputs = await this.forwardTrace(x);
    const ce = this.backend.softmaxCrossEntropy(outputs[outputs.length - 1], labels);
    let densities: OutputDensity[] | null = null;
    if (options.densities) {
      densities = [];
      for (const out of outputs) densities.push(outputDensity(new Tensor(out.shape, await this.backend.read(out))));
    }
    await this.backward(ce.dlogits);
    this.release(outputs);
    this.backend.free(ce.probs);
    const { loss, correct } = await ce.totals();
    return { loss, correct, densities };
  }

  /** Each layer's statistics for the charts: `densities` from a forward pass, weights and gradients now. */
  async layerStats(densities: OutputDensity[]): Promise<LayerStats[]> {
    const weights = await Promise.all(
      this.layers.map(async (layer) => {
        const weight = layer.params().find((p) => p.name.endsWith('.weight'));
        return weight ? { value: await this.backend.read(weight.value), grad: await this.backend.read(weight.grad) } : null;
      }),
    );
    return layerStatsFrom(this.layers, densities, weights);
  }

  /** Every parameter's values, read back. */
  async readWeights(): Promise<ModelWeights> {
    const out: ModelWeights = {};
    for (const p of this.params()) out[p.name] = await this.backend.read(p.value);
    return out;
  }

  /** Every parameter's values, copied (CPU models: no waiting). */
  weights(this: Model<Tensor>): ModelWeights {
    const out: ModelWeights = {};
    for (const p of this.params()) out[p.name] = p.value.data.slice();
    return out;
  }

  setWeights(weights: ModelWeights): void {
    for (const p of this.params()) {
      const w = weights[p.name];
      if (!w) throw new Error(`weights: "${p.name}" is missing`);
      if (w.length !== p.value.size) {
        throw new ShapeError(`weights: "${p.name}" has ${w.length} values, the model needs ${p.value.size} (${formatShape(p.value.shape)})`);
      }
    }
    for (const p of this.params()) this.backend.write(p.value, weights[p.name]);
    for (const layer of this.weightedLayers()) layer.weightsLoaded(weights[layer.weight.name]);
  }

  /**
   * Installs pruning masks by weight name (1 keeps a weight), replacing any before: zeroes the pruned
   * weights and rebuilds every layer's weight pattern — once per mask change, for every kernel that reads
   * it. A layer without a mask in `masks` keeps all its weights.
   */
  setMasks(masks: ReadonlyMap<string, Uint8Array>): void {
    for (const layer of this.weightedLayers()) {
      const mask = masks.get(layer.weight.name);
      if (mask && mask.length !== layer.weight.value.size)
        throw new RangeError(`mask for ${layer.weight.name} has ${mask.length} entries, the weight ${layer.weight.value.size}`);
    }
    for (const layer of this.weightedLayers()) {
      const mask = masks.get(layer.weight.name) ?? null;
      // A layer that had no mask and gets none keeps its pattern (that of the weights last loaded).
      if (mask || layer.mask) layer.setMask(mask);
    }
    this.maskVersion = nextMaskVersion++;
  }

  /**
   * Names the current masks, unique across every model of this thread: a copy of the model elsewhere (a
   * gradient worker, whichever model it served before) follows when it changes.
   */
  private maskVersion = nextMaskVersion++;

  /** The installed masks (as given, by weight name) and their version. */
  installedMasks(): { version: number; masks: Map<string, Uint8Array> } {
    const masks = new Map<string, Uint8Array>();
    for (const layer of this.weightedLayers()) if (layer.keep) masks.set(layer.weight.name, layer.keep);
    return { version: this.maskVersion, masks };
  }

  /** The installed masks as backend tensors, by weight name (for the optimizer's state). */
  maskTensors(): Map<string, T> {
    const out = new Map<string, T>();
    for (const layer of this.weightedLayers()) if (layer.mask) out.set(layer.weight.name, layer.mask);
    return out;
  }

  /** Zeroes the gradients of pruned weights, so an update leaves them at zero. */
  maskGradients(): void {
    for (const layer of this.weightedLayers()) if (layer.mask) this.backend.applyMask(layer.weight.grad, layer.mask);
  }

  /** Frees every tensor the model holds (on a GPU: its buffers). */
  destroy(): void {
    for (const p of this.params()) {
      this.backend.free(p.value);
      this.backend.free(p.grad);
    }
    for (const layer of this.weightedLayers()) layer.setMask(null);
  }
}
