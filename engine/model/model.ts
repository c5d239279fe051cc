/**
 * A sequential CNN built from a ModelSpec. Weights are initialised from a seeded PRNG, so the same spec and
 * seed give the same model everywhere.
 */
import { softmaxCrossEntropy, SoftmaxCrossEntropyResult } from '../ops/softmaxCrossEntropy';
import { Prng } from '../random/prng';
import { formatShape, ShapeError, Tensor } from '../tensor/tensor';
import { Conv2dLayer, ConvLayerReport, createLayer, Layer, LinearLayer, LinearLayerReport } from './layers';
import { ExecutionPolicy } from './kernelChoice';
import { Param } from '../tensor/param';
import { layerNames, ModelSpec, validateModelSpec } from './spec';

/** Every parameter by name, as plain arrays: what checkpoints and the worker move around. */
export type ModelWeights = Record<string, Float32Array>;

/** What one training step's convolutions cost, in MACs (see ConvLayerReport for each counter's convention). */
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

export class Model {
  readonly layers: Layer[];
  readonly outputShapes: number[][];

  constructor(
    readonly spec: ModelSpec,
    seed: number,
  ) {
    this.outputShapes = validateModelSpec(spec);
    const rng = new Prng(seed);
    const names = layerNames(spec);
    this.layers = spec.layers.map((layerSpec, i) => createLayer(names[i], layerSpec, rng, i === spec.layers.length - 1));
    if (this.layers.length > 0) this.layers[0].needsInputGrad = false;
    // A convolution whose input comes out of a ReLU (through pooling or not) may skip zero inputs backward.
    this.layers.forEach((layer, i) => {
      if (!(layer instanceof Conv2dLayer)) return;
      let j = i - 1;
      while (j >= 0 && this.layers[j].spec.type === 'maxPool2d') j--;
      layer.inputIsRectified = j >= 0 && this.layers[j].spec.type === 'relu';
    });
  }

  convLayers(): Conv2dLayer[] {
    return this.layers.filter((l): l is Conv2dLayer => l instanceof Conv2dLayer);
  }

  linearLayers(): LinearLayer[] {
    return this.layers.filter((l): l is LinearLayer => l instanceof LinearLayer);
  }

  /** Chooses the kernel of every conv and linear layer (or of the named ones), by one rule for both. */
  setExecutionPolicy(policy: ExecutionPolicy, crossover?: number, layers?: readonly string[]): void {
    if (crossover !== undefined && !(crossover >= 0 && crossover <= 1)) throw new RangeError(`crossover must be a density between 0 and 1, got ${crossover}`);
    for (const layer of [...this.convLayers(), ...this.linearLayers()]) {
      if (layers && !layers.includes(layer.name)) continue;
      layer.policy = policy;
      if (crossover !== undefined) layer.crossover = crossover;
    }
  }

  /** What each conv layer ran in the last step, with its exact cost counters. */
  convReports(): Record<string, ConvLayerReport> {
    const out: Record<string, ConvLayerReport> = {};
    for (const layer of this.convLayers()) if (layer.report) out[layer.name] = layer.report;
    return out;
  }

  /** What each linear layer ran in the last step, with its exact cost counters. */
  linearReports(): Record<string, LinearLayerReport> {
    const out: Record<string, LinearLayerReport> = {};
    for (const layer of this.linearLayers()) if (layer.report) out[layer.name] = layer.report;
    return out;
  }

  /**
   * The last step's cost counters: the totals over the conv layers (as the charts have always shown them),
   * and every conv and linear layer's own.
   */
  stepCost(): StepCost {
    const cost: StepCost = { denseMacs: 0, idealMacs: 0, executedMacs: 0, kernels: {}, layers: {} };
    const convs = this.convReports();
    for (const [name, report] of [...Object.entries(convs), ...Object.entries(this.linearReports())]) {
      const layer: LayerStepCost = { denseMacs: 0, idealMacs: 0, executedMacs: 0, kernel: report.kernel };
      for (const pass of [report.forward, report.backward]) {
        if (!pass) continue;
        layer.denseMacs += pass.denseMacs;
        layer.idealMacs! += pass.idealMacs;
        layer.executedMacs += pass.executedMacs;
      }
      cost.layers[name] = layer;
      if (!(name in convs)) continue;
      cost.denseMacs += layer.denseMacs;
      cost.idealMacs! += layer.idealMacs!;
      cost.executedMacs += layer.executedMacs;
      cost.kernels[name] = report.kernel;
    }
    return cost;
  }

  get numClasses(): number {
    return this.outputShapes[this.outputShapes.length - 1][0];
  }

  params(): Param[] {
    return this.layers.flatMap((layer) => layer.params());
  }

  forward(x: Tensor): Tensor {
    const [c, h, w] = this.spec.inputShape;
    if (x.shape.length !== 4 || x.shape[1] !== c || x.shape[2] !== h || x.shape[3] !== w) {
      throw new ShapeError(`model: input ${formatShape(x.shape)} does not match [batch, ${c}, ${h}, ${w}]`);
    }
    let out = x;
    for (const layer of this.layers) out = layer.forward(out);
    return out;
  }

  /** The forward pass, keeping every layer's output (for inspecting activations and their Ω). */
  forwardTrace(x: Tensor): Tensor[] {
    const outputs: Tensor[] = [];
    let out = x;
    for (const layer of this.layers) {
      out = layer.forward(out);
      outputs.push(out);
    }
    return outputs;
  }

  /** Back-propagates ∂L/∂logits through every layer, leaving each parameter's gradient in `param.grad`. */
  backward(dlogits: Tensor): void {
    let grad: Tensor | null = dlogits;
    for (let i = this.layers.length - 1; i >= 0 && grad; i--) grad = this.layers[i].backward(grad);
  }

  /**
   * Forward, loss and backward for one batch; the caller then asks an optimizer to step. `observe`, when
   * given, receives every layer's output of this forward pass once backward is done (for statistics).
   */
  lossAndGradients(x: Tensor, labels: ArrayLike<number>, observe?: (outputs: Tensor[]) => void): SoftmaxCrossEntropyResult {
    if (observe) {
      const outputs = this.forwardTrace(x);
      const result = softmaxCrossEntropy(outputs[outputs.length - 1], labels);
      this.backward(result.dlogits);
      observe(outputs);
      return result;
    }
    const logits = this.forward(x);
    const result = softmaxCrossEntropy(logits, labels);
    this.backward(result.dlogits);
    return result;
  }

  weights(): ModelWeights {
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
      p.value.data.set(w);
    }
  }
}
