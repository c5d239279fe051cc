/**
 * Layers: an op plus what its backward pass needs to remember, written once against the Backend interface.
 * A layer calls the backend's kernels and keeps the counters; it never looks at values itself, so the same
 * layer runs on every backend. The op files (engine/ops) hold the maths.
 */
import type { Backend, ConvKernel, DeviceTensor, LinearKernel } from '../backend/backend';
import { conv2dCost, conv2dGeometry, Conv2dOptions } from '../ops/conv2d';
import { MaxPool2dOptions } from '../ops/maxPool2d';
import { storageBytes } from '../sparse/compressed';
import { densePattern, patternDensity, weightPattern, WeightPattern } from '../sparse/weightPattern';
import { Param } from '../tensor/param';
import { Shape } from '../tensor/tensor';
import { chooseConvKernel, choosesSparse, DEFAULT_CROSSOVER, CARTESIAN_BELOW_INPUT_DENSITY, ExecutionPolicy, choosesWeightSparse } from './kernelChoice';
import { LayerSpec } from './spec';

/** Multiply–accumulates of one pass: what dense kernels do, |Ω| (null where not counted), what ran. */
export interface PassCost {
  denseMacs: number;
  idealMacs: number | null;
  executedMacs: number;
}

/** What a conv or linear layer ran in its last forward and backward pass, with exact counters. */
export interface LayerReport {
  kernel: 'dense' | 'sparse';
  /** The kernel by name: dense, cartesian, weightSparse (conv) or csr (linear). */
  kernelName: ConvKernel | LinearKernel;
  /** Null where the backend did not count the input's nonzeros (the `dense` and `sparse` policies on a GPU). */
  inputDensity: number | null;
  weightDensity: number;
  forward: PassCost;
  backward: PassCost | null;
  /** Bytes to hold the weights and this input densely (float32) and compressed (values + indices). */
  bytes: { weightsDense: number; weightsCompressed: number; inputDense: number; inputCompressed: number | null };
}

export interface Layer<T extends DeviceTensor = DeviceTensor> {
  readonly name: string;
  readonly spec: LayerSpec;
  /** False for the first layer: nobody needs the gradient of the input image. */
  needsInputGrad: boolean;
  forward(x: T): Promise<T>;
  /** Returns ∂L/∂input (null when `needsInputGrad` is false) and sets each param's grad. */
  backward(dy: T): Promise<T | null>;
  params(): Param<T>[];
  /** What the last step ran (conv and linear layers), or null. */
  readonly report: LayerReport | null;
}

/** Nonzeros of `size` entries as a fraction (null: not counted). */
function densityOf(nonzeros: number | null, size: number): number | null {
  return nonzeros === null ? null : size ? nonzeros / size : 0;
}

/** A layer with weights: its parameters, pruning mask and the kept weights' pattern. */
abstract class WeightedLayer<T extends DeviceTensor> {
  needsInputGrad = true;
  policy: ExecutionPolicy = 'dense';
  crossover = DEFAULT_CROSSOVER;
  /** The weight density at or below which `auto` runs a kernel whose work follows the weights (see choosesWeightSparse). */
  weightCrossover: number | null = null;
  /**
   * A kernel to run whatever the policy says (the cost lab times another backend with the kernels the
   * CPU's rule chose on the batch, so the timed passes read nothing back); null: the policy decides.
   */
  fixedKernel: ConvKernel | LinearKernel | null = null;
  report: LayerReport | null = null;
  readonly weight: Param<T>;
  readonly bias: Param<T>;
  /** The kept weights: from the mask when pruned, else from the weights' nonzeros when last loaded. */
  pattern: WeightPattern;
  /** The pruning mask (1 keeps) on the backend, and as given. */
  mask: T | null = null;
  keep: Uint8Array | null = null;
  protected input: T | null = null;

  constructor(
    protected readonly backend: Backend<T>,
    readonly name: string,
    shapes: { weight: Shape; bias: Shape },
    initial: { weight: Float32Array; bias: Float32Array },
  ) {
    const param = (suffix: string, shape: Shape, values: Float32Array): Param<T> => ({
      name: `${name}.${suffix}`,
      value: backend.tensor(shape, values),
      grad: backend.tensor(shape),
    });
    this.weight = param('weight', shapes.weight, initial.weight);
    this.bias = param('bias', shapes.bias, initial.bias);
    this.pattern = densePattern(shapes.weight);
  }

  /**
   * Installs a pruning mask (1 keeps): zeroes the pruned weights and rebuilds the pattern. Null removes the
   * mask: every weight is kept again (until weights are loaded, whose nonzeros then decide).
   */
  setMask(mask: Uint8Array | null): void {
    if (this.mask) this.backend.free(this.mask);
    this.mask = null;
    this.keep = mask ? mask.slice() : null;
    if (!mask) {
      this.replacePattern(densePattern(this.weight.value.shape));
      return;
    }
    // 0 or 1 whatever the entry: a GPU applies a mask by multiplying with it.
    this.mask = this.backend.tensor(
      this.weight.value.shape,
      Float32Array.from(mask, (v) => (v === 0 ? 0 : 1)),
    );
    this.backend.applyMask(this.weight.value, this.mask);
    this.replacePattern(weightPattern(this.weight.value.shape, mask));
  }

  /** After the weights were loaded from elsewhere: the pattern of their nonzeros (unless a mask decides it). */
  weightsLoaded(values: Float32Array): void {
    if (!this.mask) this.replacePattern(weightPattern(this.weight.value.shape, values));
  }

  private replacePattern(pattern: WeightPattern): void {
    this.backend.releasePattern(this.pattern);
    this.pattern = pattern;
  }

  /**
   * The input's nonzeros: for the kernel choice (which sparse kernel too), and for the counters where the
   * backend counts Ω. Only a fixed kernel (or `dense`) on a backend that does not count needs none (null).
   */
  protected async countInput(x: T): Promise<number | null> {
    if ((this.fixedKernel || this.policy === 'dense') && !this.backend.countsPairs) return null;
    return this.backend.countNonzeros(x);
  }

  /** What a forward pass ran and cost, with the storage of its weights and input: the layer's report. */
  protected recordForward(kernelName: ConvKernel | LinearKernel, x: T, inputNonzeros: number | null, forward: PassCost): void {
    const w = storageBytes('weights', this.weight.value.shape, this.pattern.nonzeros);
    const input = storageBytes('activations', x.shape, inputNonzeros ?? 0);
    this.report = {
      kernel: kernelName === 'dense' ? 'dense' : 'sparse',
      kernelName,
      inputDensity: densityOf(inputNonzeros, x.size),
      weightDensity: patternDensity(this.pattern),
      forward,
      backward: null,
      bytes: {
        weightsDense: w.dense,
        weightsCompressed: w.compressed,
        inputDense: input.dense,
        inputCompressed: inputNonzeros === null ? null : input.compressed,
      },
    };
  }

  protected setGrads(grads: { dw: T; db: T }): void {
    this.backend.free(this.weight.grad);
    this.backend.free(this.bias.grad);
    this.weight.grad = grads.dw;
    this.bias.grad = grads.db;
  }

  protected takeInput(): T {
    const x = this.input;
    if (!x || !this.report) throw new Error(`${this.name}: backward called before forward`);
    this.input = null;
    return x;
  }

  params(): Param<T>[] {
    return [this.weight, this.bias];
  }
}

/** A backward's counters from its forward's: ∂w, and ∂x when asked, each a pass of the forward's size. */
function backwardCost(forward: PassCost, needsInputGrad: boolean, executedMacs: number): PassCost {
  const passes = needsInputGrad ? 2 : 1;
  return { denseMacs: passes * forward.denseMacs, idealMacs: forward.idealMacs === null ? null : passes * forward.idealMacs, executedMacs };
}

export class Conv2dLayer<T extends DeviceTensor> extends WeightedLayer<T> implements Layer<T> {
  /**
   * True when the input comes out of a ReLU (possibly through pooling): a zero input then has a zero
   * gradient anyway, so the Cartesian backward may skip it. Set by the model.
   */
  inputIsRectified = false;
  cartesianBelowInputDensity = CARTESIAN_BELOW_INPUT_DENSITY;
  readonly options: Conv2dOptions;

  constructor(
    backend: Backend<T>,
    name: string,
    readonly spec: Extract<LayerSpec, { type: 'conv2d' }>,
    shapes: { weight: Shape; bias: Shape },
    initial: { weight: Float32Array; bias: Float32Array },
  ) {
    super(backend, name, shapes, initial);
    this.options = { stride: spec.stride ?? 1, padding: spec.padding ?? 0 };
  }

  async forward(x: T): Promise<T> {
    this.input = x;
    const inputNonzeros = await this.countInput(x);
    const inputDensity = densityOf(inputNonzeros, x.size);
    const weightDensity = patternDensity(this.pattern);
    const kernel =
      (this.fixedKernel as ConvKernel | null) ??
      chooseConvKernel({
        policy: this.policy,
        crossover: this.crossover,
        weightCrossover: this.weightCrossover,
        inputDensity,
        weightDensity,
        cartesianBelowInputDensity: this.cartesianBelowInputDensity,
        available: this.backend.sparseConvKernels,
      });
    const w = this.weight.value;
    const forward = this.backend.conv2dForward({ x, w, b: this.bias.value, conv: this.options, kernel, pattern: this.pattern });
    const executedMacs = await forward.executedMacs;
    const denseMacs = conv2dCost(conv2dGeometry(x.shape, w.shape, this.options)).macs;
    // The Cartesian product visits exactly Ω's pairs: its own count is the ideal one.
    const idealMacs = kernel === 'cartesian' ? executedMacs : this.backend.convPairs(x, this.pattern, this.options);
    this.recordForward(kernel, x, inputNonzeros, { denseMacs, idealMacs, executedMacs });
    return forward.y;
  }

  async backward(dy: T): Promise<T | null> {
    const x = this.takeInput();
    const report = this.report!;
    // The Cartesian backward leaves ∂L/∂x at zero inputs out; that is exact only behind a ReLU.
    const exact = report.kernelName !== 'cartesian' || this.inputIsRectified || !this.needsInputGrad;
    const kernel = exact ? (report.kernelName as ConvKernel) : 'dense';
    const grads = this.backend.conv2dBackward({
      x,
      w: this.weight.value,
      dy,
      conv: this.options,
      kernel,
      pattern: this.pattern,
      needInputGrad: this.needsInputGrad,
    });
    report.backward = backwardCost(report.forward, this.needsInputGrad, await grads.executedMacs);
    this.setGrads(grads);
    return grads.dx;
  }
}

export class LinearLayer<T extends DeviceTensor> extends WeightedLayer<T> implements Layer<T> {
  constructor(
    backend: Backend<T>,
    name: string,
    readonly spec: Extract<LayerSpec, { type: 'linear' }>,
    shapes: { weight: Shape; bias: Shape },
    initial: { weight: Float32Array; bias: Float32Array },
  ) {
    super(backend, name, shapes, initial);
  }

  async forward(x: T): Promise<T> {
    this.input = x;
    const inputNonzeros = await this.countInput(x);
    const inputDensity = densityOf(inputNonzeros, x.size);
    const weightDensity = patternDensity(this.pattern);
    // The same rule as a convolution's, with one sparse kernel: the kept weights in CSR.
    const kernel: LinearKernel =
      (this.fixedKernel as LinearKernel | null) ??
      (choosesSparse(this.policy, this.crossover, inputDensity ?? 1, weightDensity) || choosesWeightSparse(this.policy, this.weightCrossover, weightDensity)
        ? 'csr'
        : 'dense');
    const w = this.weight.value;
    const forward = this.backend.linearForward({ x, w, b: this.bias.value, kernel, pattern: this.pattern });
    const executedMacs = await forward.executedMacs;
    this.recordForward(kernel, x, inputNonzeros, { denseMacs: x.shape[0] * w.size, idealMacs: this.backend.linearPairs(x, this.pattern), executedMacs });
    return forward.y;
  }

  async backward(dy: T): Promise<T | null> {
    const x = this.takeInput();
    const report = this.report!;
    const grads = this.backend.linearBackward({
      x,
      w: this.weight.value,
      dy,
      kernel: report.kernelName as LinearKernel,
      pattern: this.pattern,
      needInputGrad: this.needsInputGrad,
    });
    report.backward = backwardCost(report.forward, this.needsInputGrad, await grads.executedMacs);
    this.setGrads(grads);
    return grads.dx;
  }
}

export class ReluLayer<T extends DeviceTensor> implements Layer<T> {
  needsInputGrad = true;
  readonly report = null;
  private input: T | null = null;
  constructor(
    private readonly backend: Backend<T>,
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'relu' }>,
  ) {}

  async forward(x: T): Promise<T> {
    this.input = x;
    return this.backend.reluForward(x);
  }

  async backward(dy: T): Promise<T | null> {
    if (!this.input) throw new Error(`${this.name}: backward called before forward`);
    const dx = this.backend.reluBackward(this.input, dy);
    this.input = null;
    return dx;
  }

  params(): Param<T>[] {
    return [];
  }
}

export class MaxPool2dLayer<T extends DeviceTensor, I = unknown> implements Layer<T> {
  needsInputGrad = true;
  readonly report = null;
  readonly options: MaxPool2dOptions;
  private saved: { inputShape: Shape; argmax: I } | null = null;

  constructor(
    private readonly backend: Backend<T, I>,
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'maxPool2d' }>,
  ) {
    this.options = { kernelSize: spec.kernelSize, stride: spec.stride ?? spec.kernelSize };
  }

  async forward(x: T): Promise<T> {
    if (this.saved) this.backend.freeIndices(this.saved.argmax);
    const { y, argmax } = this.backend.maxPool2dForward(x, this.options, false);
    this.saved = { inputShape: x.shape, argmax };
    return y;
  }

  async backward(dy: T): Promise<T | null> {
    if (!this.saved) throw new Error(`${this.name}: backward called before forward`);
    const dx = this.backend.maxPool2dBackward(this.saved.inputShape, this.saved.argmax, dy, this.options);
    this.backend.freeIndices(this.saved.argmax);
    this.saved = null;
    return dx;
  }

  params(): Param<T>[] {
    return [];
  }
}

export class FlattenLayer<T extends DeviceTensor> implements Layer<T> {
  needsInputGrad = true;
  readonly report = null;
  private inputShape: Shape | null = null;
  constructor(
    private readonly backend: Backend<T>,
    readonly name: string,
    readonly spec: Extract<LayerSpec, { type: 'flatten' }>,
  ) {}

  async forward(x: T): Promise<T> {
    this.inputShape = x.shape;
    return this.backend.reshape(x, [x.shape[0], x.size / x.shape[0]]);
  }

  async backward(dy: T): Promise<T | null> {
    if (!this.inputShape) throw new Error(`${this.name}: backward called before forward`);
    return this.backend.reshape(dy, this.inputShape);
  }

  params(): Param<T>[] {
    return [];
  }
}
