/**
 * Layers: an op plus what its backward pass needs to remember. Each layer's forward and backward call the
 * op's fast path; the op files hold the maths.
 */
import { conv2dBackward, conv2dCost, conv2dForward, conv2dGeometry, Conv2dOptions } from '../ops/conv2d';
import { sparseConv2dBackward, sparseConv2dForward, sparseConv2dPairs, SparseConvCost, SparseKernel } from '../ops/sparseConv2d';
import { compressWeights, CompressedWeights, storageBytes } from '../sparse/compressed';
import { flattenBackward, flattenForward } from '../ops/flatten';
import { linearBackward, linearForward } from '../ops/linear';
import { csrPattern, CsrWeights, sparseLinearBackward, sparseLinearForward, sparseLinearPairs, weightColumns } from '../ops/sparseLinear';
import { maxPool2dBackward, maxPool2dForward, MaxPool2dOptions } from '../ops/maxPool2d';
import { reluBackward, reluForward } from '../ops/relu';
import { Prng } from '../random/prng';
import { Param } from '../tensor/param';
import { Shape, Tensor } from '../tensor/tensor';
import { kaimingNormal } from './init';
import { layerParameterShapes, LayerSpec } from './spec';
import { CARTESIAN_BELOW_INPUT_DENSITY, choosesSparse, DEFAULT_CROSSOVER, ExecutionPolicy } from './kernelChoice';

export interface Layer {
  readonly name: string;
  readonly spec: LayerSpec;
  /** False for the first layer: nobody needs the gradient of the input image. */
  needsInputGrad: boolean;
  forward(x: Tensor): Tensor;
  /** Returns ∂L/∂input (null when `needsInputGrad` is false) and fills each param's grad. */
  backward(dy: Tensor): Tensor | null;
  params(): Param[];
}

function param(name: string, shape: Shape): Param {
  return { name, value: new Tensor(shape), grad: new Tensor(shape) };
}

/** What one convolution layer did in its last forward and backward pass. */
export interface ConvLayerReport {
  kernel: 'dense' | 'sparse';
  /** Which sparse kernel ran, when `kernel` is sparse. */
  sparseKernel: SparseKernel | null;
  inputDensity: number;
  weightDensity: number;
  forward: SparseConvCost;
  backward: SparseConvCost | null;
  /** Bytes to hold the weights and this input densely (float32) and compressed (values + indices). */
  bytes: { weightsDense: number; weightsCompressed: number; inputDense: number; inputCompressed: number };
}

/** A dense backward's counters from its forward's: ∂w, and ∂x when asked, each a pass of the same size. */
function denseBackwardCost(forward: SparseConvCost, needsInputGrad: boolean): SparseConvCost {
  const passes = needsInputGrad ? 2 : 1;
  return { denseMacs: passes * forward.denseMacs, idealMacs: passes * forward.idealMacs, executedMacs: passes * forward.denseMacs };
}

function nonzeroCount(values: Float32Array): number {
  let nonzeros = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonzeros++;
  return nonzeros;
}

export class Conv2dLayer implements Layer {
  needsInputGrad = true;
  /**
   * True when the input comes out of a ReLU (possibly through pooling): a zero input then has a zero
   * gradient anyway, so the sparse backward may skip it. Set by the model.
   */
  inputIsRectified = false;
  policy: ExecutionPolicy = 'dense';
  crossover = DEFAULT_CROSSOVER;
  cartesianBelowInputDensity = CARTESIAN_BELOW_INPUT_DENSITY;
  report: ConvLayerReport | null = null;
  readonly weight: Param;
  readonly bias: Param;
  readonly options: Conv2dOptions;
  private input: Tensor | null = null;
  private compressed: CompressedWeights | null = null;

  constructor(
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'conv2d' }>,
    rng: Prng,
  ) {
    const k = spec.kernelSize;
    const shapes = layerParameterShapes(spec)!;
    this.weight = param(`${name}.weight`, shapes.weight);
    this.bias = param(`${name}.bias`, shapes.bias);
    this.options = { stride: spec.stride ?? 1, padding: spec.padding ?? 0 };
    kaimingNormal(this.weight.value.data, spec.inChannels * k * k, rng);
  }

  forward(x: Tensor): Tensor {
    this.input = x;
    const w = this.weight.value;
    const inputNonzeros = nonzeroCount(x.data);
    const inputDensity = x.size ? inputNonzeros / x.size : 0;
    this.compressed = compressWeights(w);
    const weightDensity = this.compressed.nonzeros / w.size;
    const sparse = choosesSparse(this.policy, this.crossover, inputDensity, weightDensity);
    const weightBytes = storageBytes('weights', w.shape, this.compressed.nonzeros);
    const inputBytes = storageBytes('activations', x.shape, inputNonzeros);
    const bytes = {
      weightsDense: weightBytes.dense,
      weightsCompressed: weightBytes.compressed,
      inputDense: inputBytes.dense,
      inputCompressed: inputBytes.compressed,
    };
    if (sparse) {
      const sparseKernel: SparseKernel = inputDensity < this.cartesianBelowInputDensity ? 'cartesian' : 'weightSparse';
      const weights = sparseKernel === 'cartesian' ? this.compressed : w;
      const { y, cost } = sparseConv2dForward(x, weights, this.bias.value, this.options, 'regular', sparseKernel);
      this.report = { kernel: 'sparse', sparseKernel, inputDensity, weightDensity, forward: cost, backward: null, bytes };
      return y;
    }
    const dense = conv2dCost(conv2dGeometry(x.shape, w.shape, this.options)).macs;
    const ideal = sparseConv2dPairs(x, this.compressed, this.options);
    this.report = {
      kernel: 'dense',
      sparseKernel: null,
      inputDensity,
      weightDensity,
      forward: { denseMacs: dense, idealMacs: ideal, executedMacs: dense },
      backward: null,
      bytes,
    };
    return conv2dForward(x, w, this.bias.value, this.options);
  }

  backward(dy: Tensor): Tensor | null {
    const x = takeInput(this.input, this.name);
    const report = this.report;
    const compressed = this.compressed;
    if (!report || !compressed) throw new Error(`${this.name}: backward called before forward`);
    // The Cartesian backward leaves ∂L/∂x at zero inputs out; that is exact only behind a ReLU.
    const exact = report.sparseKernel === 'weightSparse' || this.inputIsRectified || !this.needsInputGrad;
    const sparse = report.kernel === 'sparse' && exact;
    let grads: { dx: Tensor | null; dw: Tensor; db: Tensor };
    if (sparse && report.sparseKernel) {
      const result = sparseConv2dBackward(x, this.weight.value, dy, this.options, 'regular', this.needsInputGrad, compressed, report.sparseKernel);
      report.backward = result.cost;
      grads = result;
    } else {
      report.backward = denseBackwardCost(report.forward, this.needsInputGrad);
      grads = conv2dBackward(x, this.weight.value, dy, this.options, this.needsInputGrad);
    }
    this.weight.grad.data.set(grads.dw.data);
    this.bias.grad.data.set(grads.db.data);
    this.input = null;
    return grads.dx;
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }
}

/** What one fully connected layer ran in its last forward and backward pass (the conventions of sparseLinear.ts). */
export interface LinearLayerReport {
  kernel: 'dense' | 'sparse';
  inputDensity: number;
  weightDensity: number;
  forward: SparseConvCost;
  backward: SparseConvCost | null;
}

export class LinearLayer implements Layer {
  needsInputGrad = true;
  /** The same rule as a convolution's: sparse (the CSR kernel) when input × weight density ≤ crossover under `auto`. */
  policy: ExecutionPolicy = 'dense';
  crossover = DEFAULT_CROSSOVER;
  report: LinearLayerReport | null = null;
  readonly weight: Param;
  readonly bias: Param;
  private input: Tensor | null = null;
  /** The kept weights' CSR, when the last forward ran the sparse kernel (the dense one needs only counts). */
  private pattern: CsrWeights | null = null;

  /** `isClassifier`: the last layer, whose outputs go to softmax (initialised with the linear gain). */
  constructor(
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'linear' }>,
    rng: Prng,
    isClassifier = false,
  ) {
    const shapes = layerParameterShapes(spec)!;
    this.weight = param(`${name}.weight`, shapes.weight);
    this.bias = param(`${name}.bias`, shapes.bias);
    kaimingNormal(this.weight.value.data, spec.inFeatures, rng, isClassifier ? 1 : Math.SQRT2);
  }

  forward(x: Tensor): Tensor {
    this.input = x;
    const w = this.weight.value;
    const columns = weightColumns(w);
    const inputDensity = x.size ? nonzeroCount(x.data) / x.size : 0;
    const weightDensity = w.size ? columns.nonzeros / w.size : 0;
    this.pattern = null;
    if (choosesSparse(this.policy, this.crossover, inputDensity, weightDensity)) {
      const pattern = (this.pattern = csrPattern(w, columns));
      const { y, cost } = sparseLinearForward(x, w, this.bias.value, pattern);
      this.report = { kernel: 'sparse', inputDensity, weightDensity, forward: cost, backward: null };
      return y;
    }
    const dense = x.shape[0] * w.size;
    this.report = {
      kernel: 'dense',
      inputDensity,
      weightDensity,
      forward: { denseMacs: dense, idealMacs: sparseLinearPairs(x, columns), executedMacs: dense },
      backward: null,
    };
    return linearForward(x, w, this.bias.value);
  }

  backward(dy: Tensor): Tensor | null {
    const x = takeInput(this.input, this.name);
    const report = this.report;
    if (!report) throw new Error(`${this.name}: backward called before forward`);
    let grads: { dx: Tensor | null; dw: Tensor; db: Tensor };
    if (report.kernel === 'sparse' && this.pattern) {
      const result = sparseLinearBackward(x, this.weight.value, dy, this.pattern, this.needsInputGrad);
      report.backward = result.cost;
      grads = result;
    } else {
      report.backward = denseBackwardCost(report.forward, this.needsInputGrad);
      grads = linearBackward(x, this.weight.value, dy, this.needsInputGrad);
    }
    this.weight.grad.data.set(grads.dw.data);
    this.bias.grad.data.set(grads.db.data);
    this.input = null;
    return grads.dx;
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }
}

export class ReluLayer implements Layer {
  needsInputGrad = true;
  private input: Tensor | null = null;
  constructor(
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'relu' }>,
  ) {}

  forward(x: Tensor): Tensor {
    this.input = x;
    return reluForward(x);
  }

  backward(dy: Tensor): Tensor | null {
    const dx = reluBackward(takeInput(this.input, this.name), dy);
    this.input = null;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}

export class MaxPool2dLayer implements Layer {
  needsInputGrad = true;
  readonly options: MaxPool2dOptions;
  private inputShape: Shape | null = null;
  private argmax: Int32Array | null = null;

  constructor(
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'maxPool2d' }>,
  ) {
    this.options = { kernelSize: spec.kernelSize, stride: spec.stride ?? spec.kernelSize };
  }

  forward(x: Tensor): Tensor {
    const { y, argmax } = maxPool2dForward(x, this.options);
    this.inputShape = x.shape;
    this.argmax = argmax;
    return y;
  }

  backward(dy: Tensor): Tensor | null {
    if (!this.inputShape || !this.argmax) throw new Error(`${this.name}: backward called before forward`);
    const dx = maxPool2dBackward(this.inputShape, this.argmax, dy);
    this.argmax = null;
    return dx;
  }

  params(): Param[] {
    return [];
  }
}

export class FlattenLayer implements Layer {
  needsInputGrad = true;
  private inputShape: Shape | null = null;
  constructor(
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'flatten' }>,
  ) {}

  forward(x: Tensor): Tensor {
    this.inputShape = x.shape;
    return flattenForward(x);
  }

  backward(dy: Tensor): Tensor | null {
    if (!this.inputShape) throw new Error(`${this.name}: backward called before forward`);
    return flattenBackward(this.inputShape, dy);
  }

  params(): Param[] {
    return [];
  }
}

function takeInput(input: Tensor | null, name: string): Tensor {
  if (!input) throw new Error(`${name}: backward called before forward`);
  return input;
}

export function createLayer(name: string, spec: LayerSpec, rng: Prng, isLast = false): Layer {
  switch (spec.type) {
    case 'conv2d':
      return new Conv2dLayer(name, spec, rng);
    case 'linear':
      return new LinearLayer(name, spec, rng, isLast);
    case 'relu':
      return new ReluLayer(name, spec);
    case 'maxPool2d':
      return new MaxPool2dLayer(name, spec);
    case 'flatten':
      return new FlattenLayer(name, spec);
  }
}
